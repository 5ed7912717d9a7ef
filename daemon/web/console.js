// indicatord web console: the one script of every page (docs/web.md). The pages work without
// it; it submits the board's filters when a choice changes, reads a chosen CSV file into the
// report page's text area and checks chosen evidence files against the limits before sending.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.filters")) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }
});

// 填报: a chosen CSV file is read into the text area (UTF-8), to preview and submit as text. An
// Excel workbook (.xlsx) is sent to /report/xlsx, which answers its first sheet as CSV text for
// the same text area: previewed and committed exactly as a CSV file is.
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
document.addEventListener("DOMContentLoaded", () => {
  const file = document.getElementById("csv-file");
  const text = document.getElementById("csv");
  const status = document.getElementById("file-status");
  if (!file || !text) return;
  const say = (message, error) => {
    if (!status) return;
    status.textContent = message;
    status.className = error ? "light red" : "muted";
  };
  file.addEventListener("change", () => {
    if (!file.files || file.files.length === 0) return;
    const chosen = file.files[0];
    if (chosen.name.toLowerCase().endsWith(".xlsx") || chosen.type === XLSX_TYPE) {
      const csrf = document.querySelector("#csv-form input[name=csrf]");
      say("正在读取 Excel 文件…", false);
      fetch("/report/xlsx", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": XLSX_TYPE, "X-CSRF-Token": csrf ? csrf.value : "" },
        body: chosen,
      }).then((answer) => answer.text().then((body) => {
        if (answer.ok) {
          text.value = body;
          say("已读取“" + chosen.name + "”的第一个工作表,请预览。", false);
        } else {
          say("无法读取“" + chosen.name + "”:" + body, true);
        }
      })).catch((e) => say("无法上传:" + e, true));
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      text.value = String(reader.result);
      say("", false);
    });
    reader.readAsText(chosen, "utf-8");
  });
});

// 填报 with evidence (佐证材料): before a form with files is sent, their count and sizes are
// checked against the limits the page carries (evidence.max_files, evidence.max_file_bytes,
// http.body_limit_bytes), so that a body too large for the server is not sent at all; the
// message is the API's. The server checks them again (413) and the kinds by their bytes (415).
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.with-files")) {
    form.addEventListener("submit", (event) => {
      const maxFile = Number(form.dataset.maxFileBytes || 0);
      const maxFiles = Number(form.dataset.maxFiles || 0);
      const maxBody = Number(form.dataset.maxBody || 0);
      let problem = "";
      let total = 0;
      for (const input of form.querySelectorAll("input[type=file]")) {
        const files = Array.from(input.files || []);
        if (maxFiles && files.length > maxFiles) {
          problem = "too many evidence files: at most " + maxFiles +
            " per value (evidence.max_files)";
        }
        for (const f of files) {
          total += f.size;
          if (!problem && maxFile && f.size > maxFile) {
            problem = "evidence file '" + f.name + "' has " + f.size +
              " bytes, more than the limit of " + maxFile + " bytes (evidence.max_file_bytes)";
          }
        }
      }
      if (!problem && maxBody && total > maxBody) {
        problem = "request body of more than " + total + " bytes exceeds the limit of " +
          maxBody + " bytes (http.body_limit_bytes)";
      }
      const old = form.querySelector(".file-problem");
      if (old) old.remove();
      if (!problem) return;
      event.preventDefault();
      const box = document.createElement("div");
      box.className = "notice error file-problem";
      const head = document.createElement("b");
      head.textContent = "未提交。";
      box.append(head, " " + problem);
      form.append(box);
    });
  }
});
