/* Offer the browser's time zone where a person has not chosen one.
 *
 * <select data-browser-time-zone="suggest">: while it is empty, pre-select the browser's
 * zone (if it is on the list) and say so under the field; saving the form keeps it.
 * <input type="hidden" data-browser-time-zone="fill">: filled with the browser's zone
 * (the sign-up form), which the server checks against its list.
 * No inline script: the Content-Security-Policy allows our own static files only.
 */
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  document.querySelectorAll('input[data-browser-time-zone="fill"]').forEach(function (input) {
    if (!input.value) {
      input.value = zone;
    }
  });
  document.querySelectorAll('select[data-browser-time-zone="suggest"]').forEach(function (select) {
    if (select.value) {
      return;
    }
    var option = Array.prototype.find.call(select.options, function (o) {
      return o.value === zone;
    });
    if (!option) {
      return;
    }
    select.value = zone;
    var note = document.createElement("div");
    note.className = "form-text";
    note.id = (select.id || "time-zone") + "-browser-note";
    note.textContent = "Suggested from your browser: " + option.textContent + ". Save to keep it.";
    select.insertAdjacentElement("afterend", note);
    var described = select.getAttribute("aria-describedby");
    select.setAttribute("aria-describedby", described ? described + " " + note.id : note.id);
  });
})();
