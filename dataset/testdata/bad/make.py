"""Writes the bad-input corpus of TestBadCorpus (dataset/corpus_test.go).

Run from this directory: python3 make.py. The files are committed; this
script documents how each was made. Every file is NetFlow-shaped (the NF-*
v2 columns) unless its name says otherwise, with a few rows.
"""
import gzip
import random
import zlib

V2 = ("IPV4_SRC_ADDR L4_SRC_PORT IPV4_DST_ADDR L4_DST_PORT PROTOCOL L7_PROTO IN_BYTES IN_PKTS OUT_BYTES "
      "OUT_PKTS TCP_FLAGS CLIENT_TCP_FLAGS SERVER_TCP_FLAGS FLOW_DURATION_MILLISECONDS DURATION_IN DURATION_OUT "
      "MIN_TTL MAX_TTL LONGEST_FLOW_PKT SHORTEST_FLOW_PKT MIN_IP_PKT_LEN MAX_IP_PKT_LEN SRC_TO_DST_SECOND_BYTES "
      "DST_TO_SRC_SECOND_BYTES RETRANSMITTED_IN_BYTES RETRANSMITTED_IN_PKTS RETRANSMITTED_OUT_BYTES "
      "RETRANSMITTED_OUT_PKTS SRC_TO_DST_AVG_THROUGHPUT DST_TO_SRC_AVG_THROUGHPUT NUM_PKTS_UP_TO_128_BYTES "
      "NUM_PKTS_128_TO_256_BYTES NUM_PKTS_256_TO_512_BYTES NUM_PKTS_512_TO_1024_BYTES NUM_PKTS_1024_TO_1514_BYTES "
      "TCP_WIN_MAX_IN TCP_WIN_MAX_OUT ICMP_TYPE ICMP_IPV4_TYPE DNS_QUERY_ID DNS_QUERY_TYPE DNS_TTL_ANSWER "
      "FTP_COMMAND_RET_CODE").split()
IAT = [f"{d}_IAT_{s}" for d in ("SRC_TO_DST", "DST_TO_SRC") for s in ("MIN", "MAX", "AVG", "STDDEV")]
V3 = ["FLOW_START_MILLISECONDS", "FLOW_END_MILLISECONDS"] + V2 + IAT
assert len(V2) == 43 and len(V3) == 53

rng = random.Random(16)
CLASSES = ["Benign", "Benign", "scanning", "ddos"]


def row(cols, i, cls=None):
    cls = cls or CLASSES[i % len(CLASSES)]
    out = []
    for c in cols:
        if c == "IPV4_SRC_ADDR":
            out.append(f"10.0.0.{i % 250 + 1}")
        elif c == "IPV4_DST_ADDR":
            out.append(f"10.0.1.{i % 250 + 1}")
        elif c == "FLOW_START_MILLISECONDS":
            out.append(str(1700000000000 + ((i * 7919) % 97) * 1000))
        elif c == "FLOW_END_MILLISECONDS":
            out.append(str(1700000000000 + ((i * 7919) % 97) * 1000 + 500))
        else:
            out.append(str(rng.randint(0, 5000)))
    return out + ["0" if cls == "Benign" else "1", cls]


def csv(cols, rows, extra_header=(), nl="\n"):
    lines = [",".join(list(cols) + ["Label", "Attack"] + list(extra_header))]
    lines += [",".join(r) for r in rows]
    return nl.join(lines) + nl


def write(name, text, mode="w"):
    if mode == "wb":
        with open(name, "wb") as f:
            f.write(text)
        return
    with open(name, mode, newline="") as f:
        f.write(text)


def rows(cols, n, **kw):
    return [row(cols, i, **kw) for i in range(n)]


# A NetFlow v2 file with one extra constant text column (merged NF-* collections).
write("extra_text_column.csv", csv(V2, [r + ["NF-UNSW-NB15-v2"] for r in rows(V2, 12)], ["Dataset"]))

# Gzip archives: flushed after every row so a cut can fall on a row boundary.
plain = csv(V2, rows(V2, 40)).encode()
lines = plain.split(b"\n")
z = zlib.compressobj(6, zlib.DEFLATED, 31)
gz, cuts = b"", []
for ln in lines[:-1]:
    gz += z.compress(ln + b"\n") + z.flush(zlib.Z_SYNC_FLUSH)
    cuts.append(len(gz))
gz += z.flush()
assert gzip.decompress(gz) == plain
write("truncated_row_boundary.csv.gz", gz[:cuts[20]], "wb")
write("truncated_mid_row.csv.gz", gz[:(cuts[20] + cuts[21]) // 2], "wb")
bad_crc = bytearray(gz)
bad_crc[-8] ^= 0xFF  # the CRC-32 of the trailer
write("corrupt_checksum.csv.gz", bytes(bad_crc), "wb")
write("valid.csv.gz", gz, "wb")

# Labels.
r = rows(V2, 8)
r[1][-1], r[2][-1] = "Benign ", " Benign"
r[1][-2], r[2][-2] = "0", "0"
write("label_whitespace.csv", csv(V2, r))
r = rows(V2, 8)
r[1][-1], r[1][-2] = "BENIGN", "0"
r[5][-1], r[5][-2] = "benign", "0"
write("label_case.csv", csv(V2, r))
r = rows(V2, 6)
r[2][-1] = "BEN\xffIGN"
write("label_invalid_utf8.csv", csv(V2, r).encode("latin-1"), "wb")
r = rows(V2, 6)
r[3][-2] = "2"
write("label_not_binary.csv", csv(V2, r))

# Headers.
write("duplicate_profile_column.csv", csv(V2, [x + ["1"] for x in rows(V2, 5)], ["Label"]))
write("duplicate_other_column.csv", csv(V2 + ["EXTRA"], [row(V2 + ["EXTRA"], i) + ["2"] for i in range(5)], ["EXTRA"]))
write("cr_only.csv", csv(V2, rows(V2, 7), nl="\r"))
write("bom_crlf.csv", "\ufeff" + csv(V2, rows(V2, 7), nl="\r\n"))
write("control_chars_header.csv", csv(V2, [x + ["x"] for x in rows(V2, 5)], ["\x1b[31mEVIL\x07"]))
write("unknown_header.csv", "x,y\n1,2\n")
write("missing_attack.csv", "\n".join(",".join(x[:-1]) for x in
                                      [V2 + ["Label", "Attack"]] + rows(V2, 4)) + "\n")

# Rows.
r = rows(V2, 6)
for x in r:
    x[V2.index("IN_BYTES")] = ""
write("all_rows_bad.csv", csv(V2, r))
r = rows(V2, 6)
r[3] = r[3][:-3] + r[3][-2:]
write("ragged_row.csv", csv(V2, r))
r = rows(V2, 6)
r[2][V2.index("L7_PROTO")] = '7"1'
write("bare_quote.csv", csv(V2, r))
write("empty.csv", "")
write("header_only.csv", csv(V2, []))

# NetFlow v3: 53 features, flows out of time order.
write("netflow_v3.csv", csv(V3, rows(V3, 10)))
r = rows(V3, 5)
r[2][0] = "yesterday"
write("netflow_v3_bad_timestamp.csv", csv(V3, r))
