// Signature pad for the signing page: draw with a finger or mouse, or type a name (no JS needed).
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  var canvas = document.getElementById("signature-pad");
  if (!form || !canvas) { return; }
  var how = document.getElementById("sign-how");
  var drawn = document.getElementById("sign-drawn");
  var drawBlock = document.getElementById("sign-draw-block");
  var typedBlock = document.getElementById("sign-typed-block");
  var toggle = document.getElementById("sign-mode-draw");
  var context = canvas.getContext("2d");
  var strokes = 0;
  var last = null;

  document.getElementById("sign-mode-switch").hidden = false;
  context.lineWidth = 3;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#111";

  function show(mode) {
    how.value = mode;
    drawBlock.hidden = mode !== "drawn";
    typedBlock.hidden = mode === "drawn";
    toggle.textContent = mode === "drawn" ? toggle.dataset.type : toggle.dataset.draw;
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height)
    };
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    context.beginPath();
    context.arc(last.x, last.y, 1, 0, 2 * Math.PI);
    context.stroke();
    strokes += 1;
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!last) { return; }
    var next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { last = null; });
  });

  document.getElementById("signature-clear").addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    drawn.value = "";
  });
  toggle.addEventListener("click", function () {
    show(how.value === "drawn" ? "typed" : "drawn");
  });
  form.addEventListener("submit", function () {
    drawn.value = how.value === "drawn" && strokes > 0 ? canvas.toDataURL("image/png") : "";
  });
  show(how.value === "drawn" ? "drawn" : "typed");
}());
