{
  "targets": [
    {
      "target_name": "tcpwasm_tun",
      "sources": ["tun.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
