// The program form shows a setting only while the matching model it belongs to is chosen
// (fields marked data-program-models="committee", "self_select"...). Progressive
// enhancement: without this script every field shows. A hidden field keeps its value.
(function () {
  "use strict";

  function wrapperOf(field) {
    // crispy-forms wraps each field in <div id="div_id_<name>">; a radio or checkbox group too.
    return document.getElementById("div_id_" + field.name) || field.closest(".mb-3") || field.parentElement;
  }

  function init() {
    var choice = document.querySelector("[data-program-model-choice]");
    if (!choice) {
      return;
    }
    var dependents = Array.prototype.slice.call(document.querySelectorAll("[data-program-models]"));

    function update() {
      var chosen = choice.value;
      dependents.forEach(function (field) {
        var models = (field.getAttribute("data-program-models") || "").split(/\s+/);
        var wrapper = wrapperOf(field);
        if (wrapper) {
          wrapper.hidden = models.indexOf(chosen) === -1;
        }
      });
    }

    choice.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
