// Small progressive enhancements; every page works without this file.
(function () {
  document.documentElement.classList.add("js");

  // Polling widgets (hx-trigger="every ...") stay quiet while the page is hidden,
  // so a phone in a pocket spends no data.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (document.hidden && (!trigger || trigger.type === "every")) {
      event.preventDefault();
    }
  });

  // Coming back to the page refreshes what may have gone stale meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[hx-trigger^='every']").forEach(function (el) {
      window.htmx.trigger(el, "refresh");
    });
  });
})();
