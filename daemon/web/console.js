// indicatord web console: the one script of every page (docs/web.md). The pages work without
// it; it submits the board's filters when a choice changes and reads a chosen CSV file into the
// report page's text area.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.filters")) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }
});

// 填报: a chosen CSV file is read into the text area (UTF-8), to preview and submit as text.
document.addEventListener("DOMContentLoaded", () => {
  const file = document.getElementById("csv-file");
  const text = document.getElementById("csv");
  if (!file || !text) return;
  file.addEventListener("change", () => {
    if (!file.files || file.files.length === 0) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => { text.value = String(reader.result); });
    reader.readAsText(file.files[0], "utf-8");
  });
});
