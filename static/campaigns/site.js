// Behaviour the pages used to write inline (handlers and style attributes), here because the
// Content-Security-Policy runs only our own script files and refuses inline styles (docs/security.md).
"use strict";

function applyDataStyles(root) {
  // Bars and intervals drawn from data-width / data-left (percent); setting style properties from a script is
  // allowed by the policy, a style="" attribute in the HTML is not.
  root.querySelectorAll("[data-width], [data-left]").forEach((element) => {
    if (element.dataset.width !== undefined) element.style.width = `${element.dataset.width}%`;
    if (element.dataset.left !== undefined) element.style.left = `${element.dataset.left}%`;
  });
}

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-submit-on-change]")) target.form.submit();
  if (target.matches("input[data-select-all]")) {
    document.querySelectorAll(target.dataset.selectAll).forEach((box) => { box.checked = target.checked; });
  }
});

document.addEventListener("DOMContentLoaded", () => applyDataStyles(document));
// an outerHTML swap replaces its target, so the new content is looked for from the document
document.addEventListener("htmx:afterSettle", () => applyDataStyles(document));
