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
});
