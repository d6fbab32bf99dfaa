// Check-in page: offers "Check in with my location" only when the phone can share it. Without
// JavaScript (or without geolocation) the plain "Check in" button still works on its own.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("check-in-form");
  const row = document.getElementById("check-in-gps-row");
  if (!form || !row || !("geolocation" in navigator)) return;
  const gps = document.getElementById("check-in-gps");
  const plain = document.getElementById("check-in-plain");
  const status = document.getElementById("check-in-status");
  const field = (name) => document.getElementById(`check-in-${name}`);
  // The page's language: the template puts each message, translated, in a data-* attribute.
  const text = form.dataset;
  const REFUSED = { 1: text.denied, 2: text.unavailable, 3: text.timeout };

  const reset = () => {
    field("method").value = "plain";
    for (const name of ["latitude", "longitude", "accuracy"]) field(name).value = "";
    gps.disabled = false;
    gps.removeAttribute("aria-busy");
  };

  let submitted = false;
  form.addEventListener("submit", () => {
    submitted = true; // a plain check-in already went: a late location must not send a second
  });

  const located = (position) => {
    if (submitted) return;
    submitted = true;
    field("method").value = "gps";
    field("latitude").value = position.coords.latitude.toFixed(6);
    field("longitude").value = position.coords.longitude.toFixed(6);
    field("accuracy").value = Math.round(position.coords.accuracy);
    status.textContent = text.found;
    form.submit();
  };

  const refused = (error) => {
    reset();
    status.className = "notice notice-warning";
    status.textContent = `${REFUSED[error.code] || text.unreadable} ${text.fallback}`;
    plain.focus();
  };

  row.hidden = false;
  reset();
  window.addEventListener("pageshow", reset);
  gps.addEventListener("click", (event) => {
    event.preventDefault();
    gps.disabled = true;
    gps.setAttribute("aria-busy", "true");
    status.className = "";
    status.textContent = text.finding;
    navigator.geolocation.getCurrentPosition(located, refused, {
      enableHighAccuracy: true,
      timeout: 20000,
      maximumAge: 60000,
    });
  });
});
