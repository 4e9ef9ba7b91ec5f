// The generate page: a refused edit (400) still replaces its row, so the validator's reason shows next to the text.
// htmx leaves 4xx answers unswapped by default; the server sends the row with the reason for exactly this case.
(function () {
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && source && source.closest("#suggestions")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
