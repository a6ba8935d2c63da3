// The caller's location page: one tap asks the phone for its position (Geolocation API) and
// sends it once through the link. Texts come translated in the page's data attributes.
const page = document.getElementById("share");
const button = document.getElementById("share-button");
const status = document.getElementById("share-status");

function show(text, kind = "") {
  status.textContent = text;
  status.className = `status ${kind}`;
}

async function send(position) {
  const { latitude, longitude, accuracy } = position.coords;
  let answer;
  try {
    answer = await fetch(page.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({
        lat: latitude,
        lon: longitude,
        accuracy_m: Math.max(1, Math.round(accuracy)),
      }),
    });
  } catch {
    show(page.dataset.failed, "bad");
    button.disabled = false;
    return;
  }
  if (answer.ok) {
    show(page.dataset.sent, "ok");
    button.hidden = true;
    return;
  }
  const body = await answer.json().catch(() => ({}));
  show(body.detail || page.dataset.failed, "bad");
  button.disabled = answer.status < 500 && answer.status !== 429; // a refused link stays refused
}

button.addEventListener("click", () => {
  button.disabled = true;
  show(page.dataset.sending);
  navigator.geolocation.getCurrentPosition(send, () => {
    show(page.dataset.denied, "bad");
    button.disabled = false;
  }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 });
});
