// indicatord web console: the one script of every page (docs/web.md). The pages work without
// it; it only submits the board's filters when a choice changes.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.filters")) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }
});
