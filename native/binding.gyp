{
  "targets": [
    {
      "target_name": "ustack_tun",
      "sources": ["tun.c"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
