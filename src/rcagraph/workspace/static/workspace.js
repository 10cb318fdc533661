// rcagraph workspace: the one script (no library). Marks of the timeline chart and nodes of
// the subgraph carry a data-detail text (source and line); hovering or focusing one shows it
// in the figure's live region, so keyboard and screen-reader users get what the mouse shows.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure[data-details]").forEach(function (figure) {
    var out = figure.querySelector(".detail");
    if (!out) { return; }
    var show = function (event) {
      var mark = event.target.closest("[data-detail]");
      if (mark) { out.textContent = mark.getAttribute("data-detail"); }
    };
    figure.addEventListener("mouseover", show);
    figure.addEventListener("focusin", show);
  });
  // sections that come after the page (the incident's impact): fetched into place
  document.querySelectorAll("[data-fragment]").forEach(function (section) {
    fetch(section.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        section.replaceChildren.apply(section, Array.from(doc.body.childNodes));
        section.setAttribute("aria-busy", "false");
      })
      .catch(function () { section.setAttribute("aria-busy", "false"); });
  });
});
// a link to a row inside a closed <details> (evidence → its record): open it first
function openTarget() {
  var id = decodeURIComponent(window.location.hash.slice(1));
  var target = id && document.getElementById(id);
  var details = target && target.closest("details");
  if (details) { details.open = true; target.scrollIntoView(); }
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);
