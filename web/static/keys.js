// Keyboard steps through a document's version timeline: ↑/↓ (or k/j) move between its links.
// A file of its own, because the pages' Content-Security-Policy runs no inline script.
document.addEventListener("keydown", function (event) {
  var list = document.querySelector("ol.timeline");
  if (!list || event.altKey || event.ctrlKey || event.metaKey) return;
  var forward = event.key === "ArrowDown" || event.key === "j";
  var back = event.key === "ArrowUp" || event.key === "k";
  if (!forward && !back) return;
  var tag = (document.activeElement && document.activeElement.tagName) || "";
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
  var links = Array.prototype.slice.call(list.querySelectorAll("a"));
  if (!links.length) return;
  var at = links.indexOf(document.activeElement);
  var next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + (forward ? 1 : -1)));
  links[next].focus();
  event.preventDefault();
});
