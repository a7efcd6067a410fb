// Socket constants with Linux's numeric values, named as in Python's socket module.

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_RAW = 255;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_LINGER = 13;

export const IP_TTL = 2;
export const IP_HDRINCL = 3;

export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_PEEK = 0x2;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
