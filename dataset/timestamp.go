package dataset

import (
	"fmt"
	"strings"
	"time"
)

// Timestamp layouts are Go reference-time layouts ("2006-01-02 15:04:05"),
// plus "unix", "unix_ms", "unix_us" and "unix_ns" for epoch numbers. The
// common numeric layouts are parsed by a small allocation-free matcher that is
// more lenient than time.Parse: numeric fields take one or two digits whether
// the layout pads them or not, a fraction token (".000", ".999999") makes a
// fraction of 1 to 9 digits optional, and AM/PM match in either case (the
// seed's cic_ton_iot data writes "05:18:52 pm"). Layouts with month or day
// names, zones or offsets fall back to time.Parse. Values without a zone are
// read as UTC.

type tsTokKind uint8

const (
	tokLit tsTokKind = iota
	tokYear
	tokMonth
	tokDay
	tokHour24
	tokHour12
	tokMinute
	tokSecond
	tokFrac
	tokAMPM
)

type tsTok struct {
	kind tsTokKind
	lit  byte
}

type tsLayout struct {
	src    string
	stdlib bool  // fall back to time.Parse
	unixNs int64 // > 0: an epoch number in units of unixNs nanoseconds
	toks   []tsTok
}

// compileLayout turns a layout into a matcher program.
func compileLayout(layout string) (tsLayout, error) {
	l := tsLayout{src: layout}
	switch layout {
	case "unix":
		l.unixNs = 1e9
		return l, nil
	case "unix_ms":
		l.unixNs = 1e6
		return l, nil
	case "unix_us":
		l.unixNs = 1e3
		return l, nil
	case "unix_ns":
		l.unixNs = 1
		return l, nil
	case "":
		return l, fmt.Errorf("empty timestamp layout")
	}
	s := layout
	var hasYear, hasMonth, hasDay bool
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "2006"):
			l.toks = append(l.toks, tsTok{kind: tokYear})
			hasYear = true
			s = s[4:]
		case strings.HasPrefix(s, "002"), strings.HasPrefix(s, "06"), strings.HasPrefix(s, "_2"),
			strings.HasPrefix(s, "Jan"), strings.HasPrefix(s, "Mon"), strings.HasPrefix(s, "MST"),
			strings.HasPrefix(s, "Z07"), strings.HasPrefix(s, "-07"), strings.HasPrefix(s, "+07"):
			l.stdlib = true
			l.toks = nil
			if _, err := time.Parse(layout, time.Date(2017, 7, 3, 11, 57, 51, 0, time.UTC).Format(layout)); err != nil {
				return l, fmt.Errorf("timestamp layout %q: %v", layout, err)
			}
			return l, nil
		case strings.HasPrefix(s, "01"):
			l.toks = append(l.toks, tsTok{kind: tokMonth})
			hasMonth = true
			s = s[2:]
		case strings.HasPrefix(s, "02"):
			l.toks = append(l.toks, tsTok{kind: tokDay})
			hasDay = true
			s = s[2:]
		case strings.HasPrefix(s, "03"):
			l.toks = append(l.toks, tsTok{kind: tokHour12})
			s = s[2:]
		case strings.HasPrefix(s, "04"):
			l.toks = append(l.toks, tsTok{kind: tokMinute})
			s = s[2:]
		case strings.HasPrefix(s, "05"):
			l.toks = append(l.toks, tsTok{kind: tokSecond})
			s = s[2:]
		case strings.HasPrefix(s, "15"):
			l.toks = append(l.toks, tsTok{kind: tokHour24})
			s = s[2:]
		case s[0] == '1':
			l.toks = append(l.toks, tsTok{kind: tokMonth})
			hasMonth = true
			s = s[1:]
		case s[0] == '2':
			l.toks = append(l.toks, tsTok{kind: tokDay})
			hasDay = true
			s = s[1:]
		case s[0] == '3':
			l.toks = append(l.toks, tsTok{kind: tokHour12})
			s = s[1:]
		case s[0] == '4':
			l.toks = append(l.toks, tsTok{kind: tokMinute})
			s = s[1:]
		case s[0] == '5':
			l.toks = append(l.toks, tsTok{kind: tokSecond})
			s = s[1:]
		case (s[0] == '.' || s[0] == ',') && len(s) > 1 && (s[1] == '0' || s[1] == '9'):
			n := 1
			for n < len(s) && s[n] == s[1] {
				n++
			}
			l.toks = append(l.toks, tsTok{kind: tokFrac})
			s = s[n:]
		case strings.HasPrefix(s, "PM"), strings.HasPrefix(s, "pm"):
			l.toks = append(l.toks, tsTok{kind: tokAMPM})
			s = s[2:]
		default:
			l.toks = append(l.toks, tsTok{kind: tokLit, lit: s[0]})
			s = s[1:]
		}
	}
	if !hasYear || !hasMonth || !hasDay {
		return l, fmt.Errorf("timestamp layout %q: needs a year (2006), a month (01) and a day (02), or one of unix, unix_ms, unix_us, unix_ns", layout)
	}
	return l, nil
}

// parse returns the value as Unix nanoseconds.
func (l *tsLayout) parse(b []byte) (int64, bool) {
	b = trimSpace(b)
	if l.unixNs > 0 {
		return parseUnix(b, l.unixNs)
	}
	if l.stdlib {
		t, err := time.Parse(l.src, string(b))
		if err != nil {
			return 0, false
		}
		return t.UnixNano(), true
	}
	year, month, day, hour, minute, second, nsec := 0, 0, 0, 0, 0, 0, 0
	hour12, pm, sawAMPM := false, false, false
	i := 0
	num := func(min, max int) (int, bool) {
		v, n := 0, 0
		for i < len(b) && n < max && b[i] >= '0' && b[i] <= '9' {
			v = v*10 + int(b[i]-'0')
			i++
			n++
		}
		return v, n >= min
	}
	var ok bool
	for _, t := range l.toks {
		switch t.kind {
		case tokLit:
			if i >= len(b) || b[i] != t.lit {
				return 0, false
			}
			i++
		case tokYear:
			if year, ok = num(4, 4); !ok {
				return 0, false
			}
		case tokMonth:
			if month, ok = num(1, 2); !ok {
				return 0, false
			}
		case tokDay:
			if day, ok = num(1, 2); !ok {
				return 0, false
			}
		case tokHour24:
			if hour, ok = num(1, 2); !ok {
				return 0, false
			}
		case tokHour12:
			if hour, ok = num(1, 2); !ok {
				return 0, false
			}
			hour12 = true
		case tokMinute:
			if minute, ok = num(1, 2); !ok {
				return 0, false
			}
		case tokSecond:
			if second, ok = num(1, 2); !ok {
				return 0, false
			}
		case tokFrac:
			if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && b[i+1] >= '0' && b[i+1] <= '9' {
				i++
				scale := 100000000
				for i < len(b) && b[i] >= '0' && b[i] <= '9' {
					nsec += int(b[i]-'0') * scale
					scale /= 10
					i++
				}
			}
		case tokAMPM:
			if i+2 > len(b) {
				return 0, false
			}
			switch {
			case asciiEqualFold(b[i:i+2], "pm"):
				pm = true
			case asciiEqualFold(b[i:i+2], "am"):
			default:
				return 0, false
			}
			sawAMPM = true
			i += 2
		}
	}
	if i != len(b) {
		return 0, false
	}
	if hour12 {
		if hour < 1 || hour > 12 {
			return 0, false
		}
		if sawAMPM {
			if pm && hour != 12 {
				hour += 12
			} else if !pm && hour == 12 {
				hour = 0
			}
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	days := daysFromCivil(year, month, day)
	return ((days*24+int64(hour))*60+int64(minute))*60*1e9 + int64(second)*1e9 + int64(nsec), true
}

func parseUnix(b []byte, unit int64) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var whole int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if whole > (1<<62)/10 {
			return 0, false
		}
		whole = whole*10 + int64(b[i]-'0')
	}
	if i == 0 {
		return 0, false
	}
	var frac int64 // nanoseconds of the fraction
	if i < len(b) && b[i] == '.' {
		i++
		scale := unit / 10
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			frac += int64(b[i]-'0') * scale
			scale /= 10
		}
	}
	if i != len(b) || whole > (1<<62)/unit {
		return 0, false
	}
	v := whole*unit + frac
	if neg {
		v = -v
	}
	return v, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// tsParser tries a profile's layouts in order, starting with the one that
// matched last (rows of one file share a layout), as pandas' format="mixed"
// accepts several.
type tsParser struct {
	layouts []tsLayout
	last    int
}

func newTSParser(layouts []string) (*tsParser, error) {
	p := &tsParser{}
	for _, s := range layouts {
		l, err := compileLayout(s)
		if err != nil {
			return nil, err
		}
		p.layouts = append(p.layouts, l)
	}
	if len(p.layouts) == 0 {
		return nil, fmt.Errorf("no timestamp layouts")
	}
	return p, nil
}

func (p *tsParser) clone() *tsParser {
	c := *p
	return &c
}

func (p *tsParser) parse(b []byte) (int64, bool) {
	if v, ok := p.layouts[p.last].parse(b); ok {
		return v, true
	}
	for i := range p.layouts {
		if i == p.last {
			continue
		}
		if v, ok := p.layouts[i].parse(b); ok {
			p.last = i
			return v, true
		}
	}
	return 0, false
}
