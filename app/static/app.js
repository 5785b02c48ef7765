// Small progressive enhancements; every page works without this file.
(function () {
  document.documentElement.classList.add("js");

  // Polling widgets (data-hx-trigger="every ...") stay quiet while the page is hidden,
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

  // The receipt's Print button (hidden without JavaScript, and on paper).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
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

  // A tap on a choice (a plan) whose answer lands below the fold brings that answer (the price
  // summary) into view; one already in view stays put. Typing or leaving a field never scrolls:
  // leaving the promo code is often the first half of a tap on "Continue to payment".
  document.addEventListener("htmx:afterSettle", function (event) {
    var answer = event.target;
    if (!answer.hasAttribute || !answer.hasAttribute("data-keep-in-view")) return;
    var config = event.detail.requestConfig;
    var cause = config && config.triggeringEvent && config.triggeringEvent.target;
    if (!cause || !/^(radio|checkbox|select-one)$/.test(cause.type)) return;
    var box = answer.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    answer.scrollIntoView({
      block: box.height > window.innerHeight ? "start" : "nearest",
      behavior: still ? "auto" : "smooth",
    });
  });

  // A KHQR's countdown (m:ss) ticks down from the seconds the server gave; at zero the status
  // is asked for again, which then says the code has expired.
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var before = parseInt(el.getAttribute("data-countdown"), 10);
      var left = Math.max(0, before - 1);
      el.setAttribute("data-countdown", left);
      el.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      var poller = el.closest("[data-hx-get]");
      if (before > 0 && left === 0 && poller && window.htmx) window.htmx.trigger(poller, "refresh");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-countdown]")) setInterval(tick, 1000);
  });

  // Coming back to the page refreshes what may have gone stale meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-hx-trigger^='every']").forEach(function (el) {
      window.htmx.trigger(el, "refresh");
    });
  });
})();
