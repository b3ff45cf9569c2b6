// Registers the service worker and offers updates. Plain script (no inline code,
// so the strict Content-Security-Policy holds); text is set with textContent only.
(function () {
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
      // Check for a new version when the app comes back to the foreground.
      document.addEventListener('visibilitychange', function () {
        if (document.visibilityState === 'visible') reg.update().catch(function () {});
      });
    }).catch(function (e) {
      console.warn('service worker registration failed', e);
    });
  });
})();
