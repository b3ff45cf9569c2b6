// Functions that run inside the app's page, shared by the Chromium specs
// (playwright's `page.evaluate`) and the engines suite (WebDriver's executeScript,
// ../e2e-engines/harness.mjs `eval`). Each is self-contained: it is sent to the
// page as source text, so it may use nothing from this module.

/** The 督战表 as data: one object per body row, cell texts with spaces collapsed. */
export function supervisionTableRows({ table, row }) {
  return [...document.querySelectorAll(`${table} tr${row}`)].map((r) => {
    const cell = (id) => {
      const el = r.querySelector(`[data-testid="${id}"]`);
      return el ? (el.textContent ?? '').replace(/\s+/g, ' ').trim() : null;
    };
    return {
      county: r.getAttribute('data-county'),
      remaining: cell('cell-remaining'),
      village: cell('cell-village'),
      relocation: cell('cell-relocation'),
      hydro: cell('cell-hydro'),
      leaders: cell('cell-leaders'),
      squadLeads: cell('cell-squad-leads'),
    };
  });
}
