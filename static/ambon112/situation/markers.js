// One marker per item on the live map (an incident, a unit), kept with its data in a Map by id:
// placed once, moved with setLatLng and restyled with setIcon only when what it shows changed.
// An item with no position is kept without a marker (the side list of the unlocated).

import { L } from "./state.js";

export function markerKeeper({ items, layer, icon, iconKey, options, popup, popupWidth, refreshClusters = false }) {
  /** Make an entry's marker, into `bulk` (added to the layer in one go) or onto the layer. */
  function place(entry, bulk = null) {
    entry.key = iconKey(entry.data);
    entry.marker = L.marker([entry.data.lat, entry.data.lon], {
      icon: icon(entry.data),
      itemId: entry.data.id,
      keyboard: false,
      ...options(entry.data),
    });
    entry.marker.bindPopup(() => popup(items.get(entry.data.id).data), { maxWidth: popupWidth });
    if (bulk) bulk.push(entry.marker);
    else layer.addLayer(entry.marker);
  }

  function remove(id) {
    const item = items.get(id);
    if (!item) return;
    if (item.marker) layer.removeLayer(item.marker);
    items.delete(id);
  }

  /** Keep an item's new data; its marker follows. */
  function keep(data) {
    const item = items.get(data.id);
    const located = data.lat != null && data.lon != null;
    if (!item) {
      const entry = { data, marker: null, key: "" };
      items.set(data.id, entry);
      if (located) place(entry);
      return;
    }
    item.data = data;
    if (!located) {
      if (item.marker) layer.removeLayer(item.marker);
      item.marker = null;
      return;
    }
    if (!item.marker) {
      place(item);
      return;
    }
    const position = item.marker.getLatLng();
    if (position.lat !== data.lat || position.lng !== data.lon) item.marker.setLatLng([data.lat, data.lon]);
    const key = iconKey(data);
    if (key !== item.key) {
      item.key = key;
      item.marker.setIcon(icon(data));
      if (refreshClusters) layer.refreshClusters(item.marker);
    }
  }

  /** A snapshot: every item replaced, the located ones with a marker. */
  function reset(located, unlocated) {
    layer.clearLayers();
    items.clear();
    const bulk = [];
    for (const data of located) {
      const entry = { data, marker: null, key: "" };
      items.set(data.id, entry);
      place(entry, bulk);
    }
    for (const data of unlocated) items.set(data.id, { data, marker: null, key: "" });
    layer.addLayers(bulk);
  }

  return { keep, remove, reset };
}
