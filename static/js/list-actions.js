// List pages with row actions (applications, invitations): "select all on this page" and
// inline (htmx) updates of one row. Without JavaScript every form posts and the page reloads.
(function () {
  "use strict";

  if (window.htmx) {
    // htmx would add an inline <style> for its indicators, which the Content-Security-Policy
    // forbids; this runs before htmx starts (on DOMContentLoaded).
    window.htmx.config.includeIndicatorStyles = false;
    window.htmx.config.allowEval = false;
    window.htmx.config.historyEnabled = false;
  }

  function boxesFor(selectAll) {
    var form = selectAll.getAttribute("data-select-all");
    return document.querySelectorAll('input[type="checkbox"][name="ids"][form="' + form + '"]');
  }

  function refresh(selectAll) {
    var boxes = boxesFor(selectAll);
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    selectAll.checked = boxes.length > 0 && ticked === boxes.length;
    selectAll.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  function setUp() {
    document.querySelectorAll("[data-select-all]").forEach(function (selectAll) {
      var holder = selectAll.closest("[hidden]");
      if (holder) holder.hidden = false;
      selectAll.addEventListener("change", function () {
        boxesFor(selectAll).forEach(function (box) { box.checked = selectAll.checked; });
      });
      refresh(selectAll);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name !== "ids" || !target.getAttribute("form")) return;
    document.querySelectorAll('[data-select-all="' + target.getAttribute("form") + '"]').forEach(refresh);
  });

  // After a row was swapped, keyboard focus goes to the row's first remaining button (the
  // one pressed is gone), else to the row itself; the select-all box is brought up to date.
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail && event.detail.elt;
    if (row && row.tagName === "TR" && row.isConnected) {
      var focusable = row.querySelector("button") || row.querySelector("a");
      if (!focusable) {
        row.tabIndex = -1;
        focusable = row;
      }
      focusable.focus();
    }
    document.querySelectorAll("[data-select-all]").forEach(refresh);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
