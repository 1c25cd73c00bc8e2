#ifndef CLEARTEXT_CPCAP_SHIM_H
#define CLEARTEXT_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
