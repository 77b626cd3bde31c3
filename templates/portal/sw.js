// StreetVax service worker: the entry site list and grids open offline after a first
// visit. Network first, the cache only when the network fails. Pages are cached per user
// (the page tells the worker who is logged in; another user's pages are dropped then), and
// logging out deletes them all. Saves are never cached: they go through the page's queue.
"use strict";
var STATIC_CACHE = "streetvax-static";
var PAGES_CACHE = "streetvax-pages-";  // + the user's id
var META_CACHE = "streetvax-meta";
var USER_ENTRY = "/__streetvax-user";
var STATIC_PREFIX = "{{ static_prefix|escapejs }}";
var ENTRY_LIST = "{{ entry_list|escapejs }}";
var GRID = new RegExp("^" + ENTRY_LIST.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + "\\d+/\\d{4}-\\d{2}-\\d{2}/$");
var user = null;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function currentUser() {
  if (user !== null) return Promise.resolve(user);
  return caches.open(META_CACHE).then(function (meta) { return meta.match(USER_ENTRY); })
    .then(function (found) { return found ? found.text() : ""; })
    .then(function (id) { user = id; return id; });
}
function dropPagesExcept(keep) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PAGES_CACHE) === 0 && name !== keep;
    }).map(function (name) { return caches.delete(name); }));
  });
}
function setUser(id) {
  user = id;
  return caches.open(META_CACHE)
    .then(function (meta) { return meta.put(USER_ENTRY, new Response(id)); })
    .then(function () { return dropPagesExcept(id ? PAGES_CACHE + id : null); });
}
function keep(cacheName, request, response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") return;
  var copy = response.clone();
  caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
}
function page(request) {
  return currentUser().then(function (id) {
    if (!id) return fetch(request);
    return fetch(request).then(function (response) {
      keep(PAGES_CACHE + id, request, response);
      return response;
    }, function (error) {
      return caches.open(PAGES_CACHE + id)
        .then(function (cache) { return cache.match(request, { ignoreVary: true }); })
        .then(function (found) { if (found) return found; throw error; });
    });
  });
}
function staticFile(request) {
  return fetch(request).then(function (response) {
    keep(STATIC_CACHE, request, response);
    return response;
  }, function (error) {
    return caches.match(request, { cacheName: STATIC_CACHE }).then(function (found) {
      if (found) return found;
      throw error;
    });
  });
}
// One page after another: a gentle load on the server, once a day per user.
function precache(urls) {
  return currentUser().then(function (id) {
    if (!id) return null;
    return caches.open(PAGES_CACHE + id).then(function (cache) {
      return urls.reduce(function (previous, url) {
        return previous.then(function () {
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (response.ok && !response.redirected) return cache.put(url, response);
            return null;
          }, function () { return null; });
        });
      }, Promise.resolve());
    });
  }).then(function () {
    return self.clients.matchAll().then(function (pages) {
      pages.forEach(function (client) { client.postMessage({ type: "precached" }); });
    });
  });
}

self.addEventListener("message", function (event) {
  var message = event.data || {};
  if (message.type === "user") event.waitUntil(setUser(String(message.user || "")));
  if (message.type === "precache") event.waitUntil(precache(message.urls || []));
  if (message.type === "clear") {
    user = "";
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("streetvax-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate" && (url.pathname === ENTRY_LIST || GRID.test(url.pathname))) {
    event.respondWith(page(request));
  }
});
