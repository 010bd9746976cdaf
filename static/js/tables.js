/* Tables read as stacked cards on a phone.
 *
 * Every data table inside .table-responsive that has a header row gets, on each cell, the
 * header of its column as data-label, and the class table-stack: app.css lays such a table
 * out as one card per row below 576 px, each cell led by its column's name. Display
 * changes make some browsers drop a table's semantics, so the roles are set explicitly
 * (table, rowgroup, row, columnheader, cell) and screen readers still hear a table.
 * Without JavaScript the table stays a table that scrolls sideways (it is focusable).
 * A table can opt out with class table-nostack.
 */
(function () {
  "use strict";

  function headerTexts(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) return null;
    var texts = [];
    var cells = head.rows[head.rows.length - 1].cells;
    for (var i = 0; i < cells.length; i++) {
      var span = cells[i].colSpan || 1;
      var text = cells[i].getAttribute("data-label");
      if (text === null) {
        // What a sighted reader sees: without visually hidden words and decorative marks.
        var copy = cells[i].cloneNode(true);
        var hidden = copy.querySelectorAll(".visually-hidden, [aria-hidden='true'], input");
        for (var h = 0; h < hidden.length; h++) hidden[h].remove();
        text = copy.textContent;
      }
      text = text.replace(/\s+/g, " ").trim();
      for (var s = 0; s < span; s++) texts.push(text);
    }
    return texts;
  }

  function stack(table) {
    if (table.classList.contains("table-nostack")) return;
    var texts = headerTexts(table);
    if (!texts || texts.length < 2) return;
    table.setAttribute("role", "table");
    var groups = table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot");
    for (var g = 0; g < groups.length; g++) groups[g].setAttribute("role", "rowgroup");
    for (var r = 0; r < table.rows.length; r++) {
      var row = table.rows[r];
      row.setAttribute("role", "row");
      var inHead = row.parentNode === table.tHead;
      var col = 0;
      for (var c = 0; c < row.cells.length; c++) {
        var cell = row.cells[c];
        if (inHead) {
          cell.setAttribute("role", "columnheader");
        } else {
          cell.setAttribute("role", cell.tagName === "TH" && cell.scope === "row" ? "rowheader" : "cell");
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", texts[col] || "");
        }
        col += cell.colSpan || 1;
      }
    }
    var caption = table.caption;
    if (caption && !table.hasAttribute("aria-label") && !table.hasAttribute("aria-labelledby")) {
      if (!caption.id) caption.id = "tcap-" + Math.random().toString(36).slice(2, 9);
      table.setAttribute("aria-labelledby", caption.id);
    }
    table.classList.add("table-stack");
  }

  function stackAll(root) {
    var tables = (root || document).querySelectorAll(".table-responsive table");
    for (var i = 0; i < tables.length; i++) stack(tables[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { stackAll(document); });
  } else {
    stackAll(document);
  }
  // Rows swapped in without a reload (htmx) are labelled too.
  document.addEventListener("htmx:afterSettle", function () { stackAll(document); });
}());
