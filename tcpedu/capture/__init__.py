"""Real traffic: pcap files, loopback captures, namespaces and the model against Linux."""
