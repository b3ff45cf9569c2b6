// Test JPEGs shared by the Chromium specs (./photos.test.mjs) and the WebDriver
// engines' (../e2e-engines/photos.test.mjs): drawn by the engine's own encoder, and
// turned by an EXIF orientation added in Node.

/**
 * Runs in the page: a `w`×`h` JPEG, left half red, right half blue, from the
 * engine's canvas encoder at 0.9, as base64.
 */
export function redBlueJpegBase64(w, h) {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d');
  g.fillStyle = '#d00000';
  g.fillRect(0, 0, w / 2, h);
  g.fillStyle = '#0000d0';
  g.fillRect(w / 2, 0, w / 2, h);
  return c.toDataURL('image/jpeg', 0.9).split(',')[1];
}

/** The JPEG with an EXIF segment saying `orientation`, right after its start. */
export function withOrientation(jpeg, orientation) {
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const head = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
}
