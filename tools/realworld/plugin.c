/* The plugin plugin_host dlopen()s (docs/realworld-check.md): mixes each
 * item a little itself, then calls the host back with it. Built by check.sh
 * with -O2 -fomit-frame-pointer -fPIC -shared. */
typedef unsigned long (*callback_fn)(unsigned long item);

__attribute__((noinline)) static unsigned long plugin_mix(unsigned long x) {
  for (int i = 0; i < 300; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
  return x;
}

unsigned long plugin_run(const unsigned long *items, unsigned long n, callback_fn callback) {
  unsigned long acc = 0;
  for (unsigned long i = 0; i < n; ++i) acc = acc * 31 + callback(plugin_mix(items[i] ^ acc));
  return acc;
}
