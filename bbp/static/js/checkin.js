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
  const REFUSED = {
    1: "Your phone did not allow sharing your location.",
    2: "Your phone could not find your location right now.",
    3: "Finding your location took too long.",
  };

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
    status.textContent = "Location found. Checking you in…";
    form.submit();
  };

  const refused = (error) => {
    reset();
    status.className = "notice notice-warning";
    status.textContent = `${REFUSED[error.code] || "Your location could not be read."} ` +
      "You can still check in without it: press “Check in”.";
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
    status.textContent = "Finding your location… your phone may ask for permission.";
    navigator.geolocation.getCurrentPosition(located, refused, {
      enableHighAccuracy: true,
      timeout: 20000,
      maximumAge: 60000,
    });
  });
});
