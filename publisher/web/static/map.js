/* The map of practices: Leaflet (served from the XStatic package) over /geojson?bbox=...; markers are
   HTML (divIcon), so they show without tiles; the server caps and clusters big boxes, the client clusters
   what it gets (Leaflet.markercluster). The view is kept in the URL (lat, lon, zoom): shareable. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var d = el.dataset, pl = d.lang !== "en";
  var status = document.getElementById("map-status");
  var num = function (v, fallback) { return v === "" || isNaN(+v) ? fallback : +v; };
  var map = L.map(el, { keyboard: true, minZoom: 5, maxZoom: 18 })
    .setView([num(d.lat, 52.0), num(d.lon, 19.2)], num(d.zoom, 6));
  if (d.tiles) {
    L.tileLayer(d.tiles, { attribution: d.attribution, maxZoom: 18 }).addTo(map);
  }
  // The outline of Poland (Natural Earth, served with the site) under the markers: the map says where the
  // practices are even when the tile server cannot be reached.
  if (d.outline) {
    fetch(d.outline).then(function (r) { return r.ok ? r.json() : null; }).then(function (shape) {
      if (shape) {
        L.geoJSON(shape, { interactive: false, style: { color: "#4a4a4a", weight: 1.5, fillColor: "#ffffff", fillOpacity: 0.7 } })
          .addTo(map).bringToBack();
      }
    }).catch(function () { /* the markers still show */ });
  }
  // Plural forms of the page's language (from the string catalogue, chosen by Intl.PluralRules).
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(pl ? "pl" : "en") : null;
  var plural = function (n) {
    var form = rules ? rules.select(n) : (n === 1 ? "one" : "many");
    var text = form === "one" ? d.clusterOne : form === "few" ? d.clusterFew : d.clusterMany;
    return text.replace("{n}", n);
  };
  var points = L.markerClusterGroup({ showCoverageOnHover: false });
  var groups = L.layerGroup();
  map.addLayer(points);
  map.addLayer(groups);
  var pickText = function (texts) { return (pl ? texts.pl || texts.en : texts.en || texts.pl) || ""; };

  function pointMarker(f) {
    var p = f.properties, title = pickText(p.title);
    var m = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
      title: title, alt: title, keyboard: true,
      icon: L.divIcon({ className: "bdp-marker", html: "", iconSize: [18, 18] })
    });
    m.on("add", function () { var i = m.getElement(); if (i) { i.setAttribute("data-key", p.key); } });
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = p.url;
    a.textContent = title;
    box.appendChild(a);
    if (p.town) { var s = document.createElement("div"); s.textContent = p.town; box.appendChild(s); }
    m.bindPopup(box);
    return m;
  }

  function clusterMarker(f) {
    var p = f.properties, b = p.bbox;
    var label = plural(p.count);
    var m = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
      title: label, alt: label, keyboard: true,
      icon: L.divIcon({ className: "bdp-cluster", html: "<span>" + p.count + "</span>", iconSize: [40, 40] })
    });
    m.on("click", function () { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); });
    return m;
  }

  var request = 0;
  function load() {
    var b = map.getBounds(), mine = ++request;
    if (el.getAttribute("data-loaded") !== "true") { status.textContent = status.dataset.loading; }
    var clamp = function (v, lim) { return Math.max(-lim, Math.min(lim, v)).toFixed(5); };
    var bbox = [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)];
    fetch(d.geojson + "?bbox=" + bbox.join(","), { headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (fc) {
        if (mine !== request) { return; }
        points.clearLayers();
        groups.clearLayers();
        var singles = [];
        fc.features.forEach(function (f) {
          if (f.properties.cluster) { groups.addLayer(clusterMarker(f)); } else { singles.push(pointMarker(f)); }
        });
        points.addLayers(singles);
        var n = fc.properties.total;
        status.textContent = (pl ? "Praktyki w widoku: " : "Practices in view: ") + n +
          (fc.properties.clustered ? (pl ? " (zgrupowane — przybliż, by zobaczyć każdą)" : " (grouped — zoom in to see each)") : "");
        el.setAttribute("data-loaded", "true");
      })
      .catch(function () { status.textContent = pl ? "Nie udało się wczytać praktyk." : "The practices could not be loaded."; });
    var c = map.getCenter(), q = new URLSearchParams(window.location.search);
    q.set("lat", c.lat.toFixed(4)); q.set("lon", c.lng.toFixed(4)); q.set("zoom", map.getZoom());
    window.history.replaceState(null, "", window.location.pathname + "?" + q.toString());
  }
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
  load();
}());
