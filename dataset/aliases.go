package dataset

// cicflowmeterAliases lists the spellings of the same CICFlowMeter column:
// the abbreviated CICFlowMeter-V3 names (CIC-ToN-IoT, CSE-CIC-IDS2018, the
// seed's DatasetInfo; first in each group), the long names of the original
// CIC-IDS2017 CSVs, and the names of the improved CIC-IDS2017 re-extraction
// (Engelen, Lanvin et al.). Matching is case-insensitive and ignores runs of
// spaces, so "Total Bwd packets" and "Total Bwd Packets" need no entry.
var cicflowmeterAliases = [][]string{
	{"Src IP", "Source IP", "Src IP Addr"},
	{"Src Port", "Source Port"},
	{"Dst IP", "Destination IP", "Dst IP Addr"},
	{"Dst Port", "Destination Port"},
	{"Tot Fwd Pkts", "Total Fwd Packets", "Total Fwd Packet"},
	{"Tot Bwd Pkts", "Total Backward Packets", "Total Bwd Packets", "Total Bwd Packet"},
	{"TotLen Fwd Pkts", "Total Length of Fwd Packets", "Total Length of Fwd Packet", "Fwd Packets Length Total"},
	{"TotLen Bwd Pkts", "Total Length of Bwd Packets", "Total Length of Bwd Packet", "Bwd Packets Length Total"},
	{"Fwd Pkt Len Max", "Fwd Packet Length Max"},
	{"Fwd Pkt Len Min", "Fwd Packet Length Min"},
	{"Fwd Pkt Len Mean", "Fwd Packet Length Mean"},
	{"Fwd Pkt Len Std", "Fwd Packet Length Std"},
	{"Bwd Pkt Len Max", "Bwd Packet Length Max"},
	{"Bwd Pkt Len Min", "Bwd Packet Length Min"},
	{"Bwd Pkt Len Mean", "Bwd Packet Length Mean"},
	{"Bwd Pkt Len Std", "Bwd Packet Length Std"},
	{"Flow Byts/s", "Flow Bytes/s"},
	{"Flow Pkts/s", "Flow Packets/s"},
	{"Fwd IAT Tot", "Fwd IAT Total"},
	{"Bwd IAT Tot", "Bwd IAT Total"},
	{"Fwd Header Len", "Fwd Header Length"},
	{"Bwd Header Len", "Bwd Header Length"},
	{"Fwd Pkts/s", "Fwd Packets/s"},
	{"Bwd Pkts/s", "Bwd Packets/s"},
	{"Pkt Len Min", "Min Packet Length", "Packet Length Min"},
	{"Pkt Len Max", "Max Packet Length", "Packet Length Max"},
	{"Pkt Len Mean", "Packet Length Mean"},
	{"Pkt Len Std", "Packet Length Std"},
	{"Pkt Len Var", "Packet Length Variance"},
	{"FIN Flag Cnt", "FIN Flag Count"},
	{"SYN Flag Cnt", "SYN Flag Count"},
	{"RST Flag Cnt", "RST Flag Count"},
	{"PSH Flag Cnt", "PSH Flag Count"},
	{"ACK Flag Cnt", "ACK Flag Count"},
	{"URG Flag Cnt", "URG Flag Count"},
	{"CWE Flag Count", "CWR Flag Count", "CWE Flag Cnt", "CWR Flag Cnt"},
	{"ECE Flag Cnt", "ECE Flag Count"},
	{"Pkt Size Avg", "Average Packet Size", "Avg Packet Size"},
	{"Fwd Seg Size Avg", "Avg Fwd Segment Size", "Fwd Segment Size Avg"},
	{"Bwd Seg Size Avg", "Avg Bwd Segment Size", "Bwd Segment Size Avg"},
	{"Fwd Byts/b Avg", "Fwd Avg Bytes/Bulk", "Fwd Bytes/Bulk Avg"},
	{"Fwd Pkts/b Avg", "Fwd Avg Packets/Bulk", "Fwd Packet/Bulk Avg", "Fwd Packets/Bulk Avg"},
	{"Fwd Blk Rate Avg", "Fwd Avg Bulk Rate", "Fwd Bulk Rate Avg"},
	{"Bwd Byts/b Avg", "Bwd Avg Bytes/Bulk", "Bwd Bytes/Bulk Avg"},
	{"Bwd Pkts/b Avg", "Bwd Avg Packets/Bulk", "Bwd Packet/Bulk Avg", "Bwd Packets/Bulk Avg"},
	{"Bwd Blk Rate Avg", "Bwd Avg Bulk Rate", "Bwd Bulk Rate Avg"},
	{"Subflow Fwd Pkts", "Subflow Fwd Packets"},
	{"Subflow Fwd Byts", "Subflow Fwd Bytes"},
	{"Subflow Bwd Pkts", "Subflow Bwd Packets"},
	{"Subflow Bwd Byts", "Subflow Bwd Bytes"},
	{"Init Fwd Win Byts", "Init_Win_bytes_forward", "FWD Init Win Bytes", "Init Fwd Win Bytes"},
	{"Init Bwd Win Byts", "Init_Win_bytes_backward", "Bwd Init Win Bytes", "Init Bwd Win Bytes"},
	{"Fwd Act Data Pkts", "act_data_pkt_fwd"},
	{"Fwd Seg Size Min", "min_seg_size_forward"},
}

// cicAliasMap returns the table in the Profile.Aliases form: the first name
// of each group maps to the others.
func cicAliasMap() map[string][]string {
	m := make(map[string][]string, len(cicflowmeterAliases))
	for _, g := range cicflowmeterAliases {
		m[g[0]] = append([]string(nil), g[1:]...)
	}
	return m
}
