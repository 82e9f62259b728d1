// A wide table scrolls sideways on a phone (Material wraps every table in .md-typeset__scrollwrap),
// and so does a long code line (pre > code). Keyboard users can scroll them only if the scrolling
// box takes focus (WCAG 2.1.1), so a box that overflows gets tabindex and a name; one that fits
// gets no extra tab stop.
(function () {
  "use strict";

  function label(wrap) {
    if (wrap.matches("pre > code")) return "代码（可左右滚动）";
    var table = wrap.querySelector("table");
    var name = table && (table.getAttribute("aria-label") || (table.caption && table.caption.textContent));
    return (name || "表格").trim() + "（可左右滚动）";
  }

  function mark() {
    document.querySelectorAll(".md-typeset__scrollwrap, .md-typeset pre > code").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      } else if (!scrolls && wrap.hasAttribute("tabindex")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  var pending = false;
  function soon() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () { pending = false; mark(); });
    }
  }

  window.addEventListener("load", soon);
  window.addEventListener("resize", soon);
  if (window.document$) window.document$.subscribe(soon);  // Material's page-ready signal
})();
