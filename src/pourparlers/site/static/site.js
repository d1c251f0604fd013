/* The corpus browser's own script: select an annotation (click, Enter or Space, a "show" button,
   or #select=<id> in the address) to see its details and, for an event, its arguments in the
   text (for a stance, its holder); toggle layers and types. Every value shown comes from the page
   itself (escaped when the site was built): this script moves classes and attributes only. */
(function () {
  "use strict";

  function byId(id) {
    return document.querySelectorAll('[data-id="' + CSS.escape(id) + '"]');
  }

  function textOf(id) {
    return document.querySelectorAll('.doc .ann[data-id="' + CSS.escape(id) + '"]');
  }

  function clear() {
    document.querySelectorAll(".ann.selected, .ann.argument, .ann.holder").forEach(function (el) {
      el.classList.remove("selected", "argument", "holder");
      el.removeAttribute("data-role");
    });
    document.querySelectorAll(".detail:not([hidden])").forEach(function (el) { el.hidden = true; });
    document.querySelectorAll("tr.selected").forEach(function (el) { el.classList.remove("selected"); });
    var hint = document.getElementById("hint");
    if (hint) { hint.hidden = false; }
  }

  function select(id, scroll) {
    clear();
    var shown = textOf(id);
    shown.forEach(function (el) { el.classList.add("selected"); });
    var detail = document.querySelector('.detail[data-id="' + CSS.escape(id) + '"]');
    if (detail) {
      detail.hidden = false;
      var hint = document.getElementById("hint");
      if (hint) { hint.hidden = true; }
      detail.querySelectorAll("[data-argument]").forEach(function (item) {
        textOf(item.getAttribute("data-argument")).forEach(function (el) {
          el.classList.add("argument");
          el.setAttribute("data-role", item.getAttribute("data-role"));
        });
      });
      detail.querySelectorAll("[data-holder]").forEach(function (item) {
        textOf(item.getAttribute("data-holder")).forEach(function (el) { el.classList.add("holder"); });
      });
    }
    document.querySelectorAll('tr[data-id="' + CSS.escape(id) + '"], tr[data-a="' + CSS.escape(id) +
      '"], tr[data-b="' + CSS.escape(id) + '"]').forEach(function (row) { row.classList.add("selected"); });
    if (scroll && shown.length) { shown[0].scrollIntoView({ block: "center" }); }
    document.body.setAttribute("data-selected", id);
  }

  function selectDifference(row) {
    clear();
    row.classList.add("selected");
    ["data-a", "data-b"].forEach(function (side) {
      var id = row.getAttribute(side);
      if (id) { textOf(id).forEach(function (el) { el.classList.add("selected"); }); }
    });
    var first = document.querySelector(".doc .ann.selected");
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  function innermost(target) {
    return target.closest ? target.closest(".doc .ann") : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.select");
    if (button) {
      var row = button.closest("tr.difference");
      if (row) { selectDifference(row); } else { select(button.getAttribute("data-target"), true); }
      return;
    }
    var ann = innermost(event.target);
    if (ann && !event.target.closest("a")) {
      event.stopPropagation();
      select(ann.getAttribute("data-id"), false);
    }
  });

  document.addEventListener("keydown", function (event) {
    var ann = innermost(event.target);
    if (ann && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(ann.getAttribute("data-id"), false);
    } else if (event.key === "Escape") {
      clear();
    }
  });

  /* toggles: a layer box switches its layer, a type box one type of it */
  function applyToggles() {
    document.querySelectorAll(".toggles input[data-type]").forEach(function (box) {
      var layer = box.getAttribute("data-layer");
      var layerBox = document.querySelector('.toggles input[data-layer="' + CSS.escape(layer) + '"]:not([data-type])');
      var on = box.checked && (!layerBox || layerBox.checked);
      document.querySelectorAll('.doc .ann[data-layer="' + CSS.escape(layer) + '"][data-type="' +
        CSS.escape(box.getAttribute("data-type")) + '"]').forEach(function (el) {
        el.classList.toggle("off", !on);
      });
    });
  }
  document.querySelectorAll(".toggles input").forEach(function (box) {
    box.addEventListener("change", applyToggles);
  });

  var wanted = /^#select=(.+)$/.exec(window.location.hash);
  if (wanted) { select(decodeURIComponent(wanted[1]), true); }
  document.body.setAttribute("data-ready", "1");
})();
