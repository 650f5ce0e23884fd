// After htmx swaps in part of a page, move focus to where the link that asked for it says
// (data-focus="<id>", e.g. the chosen day's times), instead of leaving it on a link that no
// longer exists: a keyboard or screen-reader user goes on from the new content.
document.body.addEventListener("htmx:afterSettle", function (event) {
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  var id = source && source.getAttribute("data-focus");
  var target = id && document.getElementById(id);
  if (target) {
    target.focus();
  }
});
