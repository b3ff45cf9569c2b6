// Registers the service worker and offers updates. Plain script (no inline code,
// so the strict Content-Security-Policy holds); text is set with textContent only.
(function () {
  // A page whose split parts failed to load (src/ui/split.rs calls this) reloads
  // itself when the server now has another build: the parts are gone because a new
  // build was deployed while the page ran, and no service worker held the old one.
  // The build is named by its split loader (`duzhan-<hash>.split.js`) in index.html,
  // fetched past every cache (`fresh`: the service worker lets it through). At most
  // one reload per new build; offline or the same build, nothing happens.
  window.duzhanReloadIfStale = function () {
    var own = document.querySelector('link[href$=".split.js"]');
    if (!own) return Promise.resolve(false);
    var ours = own.getAttribute('href');
    return fetch('./index.html?fresh=' + Date.now(), { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : ''; })
      .then(function (html) {
        var m = /href="(\.\/[^"]+\.split\.js)"/.exec(html);
        if (!m || m[1] === ours) return false;
        try {
          if (sessionStorage.getItem('duzhan.stale-reload') === m[1]) return false;
          sessionStorage.setItem('duzhan.stale-reload', m[1]);
        } catch (e) {
          return false; // no way to remember the reload: never risk a loop
        }
        location.reload();
        return true;
      })
      .catch(function () { return false; });
  };
  if (!('serviceWorker' in navigator)) return;
  var zh = (document.documentElement.lang || 'zh').indexOf('zh') === 0;
  function offer(worker) {
    if (document.getElementById('sw-update')) return;
    var bar = document.createElement('div');
    bar.id = 'sw-update';
    bar.className = 'update-bar';
    bar.setAttribute('role', 'status');
    bar.setAttribute('data-testid', 'update-ready');
    var text = document.createElement('span');
    text.textContent = zh ? '新版本已就绪。所有修改均已保存，刷新后使用新版本。' : 'A new version is ready. Everything is saved; reload to use it.';
    var button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('data-testid', 'update-reload');
    button.textContent = zh ? '刷新' : 'Reload';
    button.addEventListener('click', function () {
      worker.postMessage('skip-waiting');
    });
    bar.appendChild(text);
    bar.appendChild(button);
    document.body.appendChild(bar);
  }
  var reloading = false;
  var hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', function () {
    // The first install claims an uncontrolled page: nothing to reload then. Every
    // later change is a new version taking over, and the page reloads onto it.
    if (!hadController) {
      hadController = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  window.addEventListener('load', function () {
    navigator.serviceWorker.register('./sw.js', { scope: './' }).then(function (reg) {
      if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
      reg.addEventListener('updatefound', function () {
        var w = reg.installing;
        if (!w) return;
        w.addEventListener('statechange', function () {
          if (w.state === 'installed' && navigator.serviceWorker.controller) offer(w);
        });
      });
      // Look for a new version when the app comes back to the foreground (an iPad
      // app is resumed, never restarted), when the network returns, and every hour
      // while it is shown. On start the browser itself checks: every navigation does.
      function check() {
        if (document.visibilityState === 'visible' && navigator.onLine !== false) reg.update().catch(function () {});
      }
      document.addEventListener('visibilitychange', check);
      window.addEventListener('online', check);
      setInterval(check, window.duzhanUpdateEveryMs || 60 * 60 * 1000); // shorter in a test
    }).catch(function (e) {
      console.warn('service worker registration failed', e);
    });
  });
})();
