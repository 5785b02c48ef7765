// Small progressive enhancements; every page works without this file.
(function () {
  document.documentElement.classList.add("js");

  // Polling widgets (hx-trigger="every ...") stay quiet while the page is hidden,
  // so a phone in a pocket spends no data.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var polling = !trigger || trigger.type === "every";
    var active = document.activeElement;
    var typing = active && event.detail.elt.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    // Hidden pages stay quiet; a widget someone is typing in is not replaced under them.
    if (polling && (document.hidden || typing)) {
      event.preventDefault();
    }
  });

  // Copy buttons beside the manual install details.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.setAttribute("aria-pressed", "true");
      button.classList.add("copied");
    });
  });

  // A button that starts a payment is pressed once: it is disabled while its request runs.
  // (After the form's data is taken, so the pressed button's own value still goes with it;
  // without JavaScript the server gives a second press the same order.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once") || event.defaultPrevented) return;
    var button = event.submitter;
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      if (button) button.setAttribute("aria-busy", "true");
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once] button[disabled]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });

  // Coming back to the page refreshes what may have gone stale meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[hx-trigger^='every']").forEach(function (el) {
      window.htmx.trigger(el, "refresh");
    });
  });
})();
