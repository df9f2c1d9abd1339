package query

import (
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func compileToString(args any) (expr, error) {
	es, err := compileArgs("$toString", args, 1, 1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		v, err := es[0](c)
		if err != nil {
			return nil, err
		}
		return toString(v)
	}, nil
}

func toString(v any) (any, error) {
	switch x := v.(type) {
	case nil, missing, bson.Null, bson.Undefined:
		return nil, nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int32, int64, int:
		n, _ := asInt64(x)
		return strconv.FormatInt(n, 10), nil
	case float64:
		return formatDouble(x), nil
	case bson.Decimal128:
		return x.String(), nil
	case bson.ObjectID:
		return x.Hex(), nil
	case bson.DateTime, time.Time:
		return time.UnixMilli(dateMillis(x)).UTC().Format("2006-01-02T15:04:05.000Z"), nil
	}
	return nil, errorf(241, "ConversionFailure", "Unsupported conversion from %s to string in $convert with no onError value", typeName(v))
}

func compileConcat(args any) (expr, error) {
	es, err := compileArgs("$concat", args, 0, -1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		var b strings.Builder
		for _, e := range es {
			v, err := e(c)
			if err != nil {
				return nil, err
			}
			if isNullish(v) {
				return nil, nil
			}
			s, ok := v.(string)
			if !ok {
				return nil, location(16702, "$concat only supports strings, not %s", typeName(v))
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}, nil
}

func stringCase(name string, convert func(string) string) func(any) (expr, error) {
	return func(args any) (expr, error) {
		es, err := compileArgs(name, args, 1, 1)
		if err != nil {
			return nil, err
		}
		return func(c *evalCtx) (any, error) {
			v, err := es[0](c)
			if err != nil {
				return nil, err
			}
			if isNullish(v) {
				return "", nil
			}
			s, err := toString(v)
			if err != nil {
				return nil, location(16007, "can't convert from BSON type %s to String", typeName(v))
			}
			return convert(s.(string)), nil
		}, nil
	}
}

// compileDateToString supports {date, format, timezone, onNull} with the
// common format specifiers; the timezone may be UTC or a ±hh:mm offset.
func compileDateToString(args any) (expr, error) {
	d, ok := args.(bson.D)
	if !ok {
		return nil, location(18629, "$dateToString only supports an object as its argument")
	}
	format := "%Y-%m-%dT%H:%M:%S.%LZ"
	var dateE, onNullE expr
	loc := time.UTC
	for _, e := range d {
		switch e.Key {
		case "date":
			c, err := compileExpr(e.Value)
			if err != nil {
				return nil, err
			}
			dateE = c
		case "format":
			s, isStr := e.Value.(string)
			if !isStr {
				return nil, location(18533, "$dateToString requires that 'format' be a string, found: %s with value %s", typeName(e.Value), Canonical(e.Value))
			}
			if err := checkDateFormat(s); err != nil {
				return nil, err
			}
			format = s
		case "timezone":
			l, err := parseTimezone(e.Value)
			if err != nil {
				return nil, err
			}
			loc = l
		case "onNull":
			c, err := compileExpr(e.Value)
			if err != nil {
				return nil, err
			}
			onNullE = c
		default:
			return nil, location(18534, "Unrecognized parameter to $dateToString: %s", e.Key)
		}
	}
	if dateE == nil {
		return nil, location(18628, "Missing 'date' parameter to $dateToString")
	}
	return func(c *evalCtx) (any, error) {
		v, err := dateE(c)
		if err != nil {
			return nil, err
		}
		if isNullish(v) {
			if onNullE != nil {
				return onNullE(c)
			}
			return nil, nil
		}
		t, err := asTime(v)
		if err != nil {
			return nil, err
		}
		return formatDate(format, t.In(loc)), nil
	}, nil
}

func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case bson.DateTime, time.Time:
		return time.UnixMilli(dateMillis(x)).UTC(), nil
	case bson.Timestamp:
		return time.Unix(int64(x.T), 0).UTC(), nil
	case bson.ObjectID:
		return x.Timestamp().UTC(), nil
	}
	return time.Time{}, location(16006, "can't convert from BSON type %s to Date", typeName(v))
}

func parseTimezone(v any) (*time.Location, error) {
	s, ok := v.(string)
	if !ok {
		return nil, location(40517, "timezone must evaluate to a string, found %s", typeName(v))
	}
	switch s {
	case "UTC", "GMT", "Z", "Etc/UTC", "Etc/GMT":
		return time.UTC, nil
	}
	if len(s) >= 3 && (s[0] == '+' || s[0] == '-') {
		digits := strings.ReplaceAll(s[1:], ":", "")
		if len(digits) == 2 {
			digits += "00"
		}
		if n, err := strconv.Atoi(digits); err == nil && len(digits) == 4 {
			secs := (n/100)*3600 + (n%100)*60
			if s[0] == '-' {
				secs = -secs
			}
			return time.FixedZone(s, secs), nil
		}
	}
	if l, err := time.LoadLocation(s); err == nil {
		return l, nil
	}
	return nil, location(40485, "unrecognized time zone identifier: \"%s\"", s)
}

const dateSpecifiers = "dGHjLmMSuUVwYzZ%"

func checkDateFormat(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 >= len(f) {
			return location(18535, "Unmatched '%%' at end of format string")
		}
		if !strings.ContainsRune(dateSpecifiers, rune(f[i+1])) {
			return location(18536, "Invalid format character '%%%c' in format string", f[i+1])
		}
		i++
	}
	return nil
}

func formatDate(f string, t time.Time) string {
	var b strings.Builder
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			pad(t.Year(), 4)
		case 'G':
			y, _ := t.ISOWeek()
			pad(y, 4)
		case 'm':
			pad(int(t.Month()), 2)
		case 'd':
			pad(t.Day(), 2)
		case 'H':
			pad(t.Hour(), 2)
		case 'M':
			pad(t.Minute(), 2)
		case 'S':
			pad(t.Second(), 2)
		case 'L':
			pad(t.Nanosecond()/1e6, 3)
		case 'j':
			pad(t.YearDay(), 3)
		case 'w':
			pad(int(t.Weekday())+1, 1)
		case 'u':
			pad((int(t.Weekday())+6)%7+1, 1)
		case 'U':
			pad((t.YearDay()+6-int(t.Weekday()))/7, 2)
		case 'V':
			_, w := t.ISOWeek()
			pad(w, 2)
		case 'z':
			_, off := t.Zone()
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b.WriteByte(sign)
			pad(off/3600, 2)
			pad(off%3600/60, 2)
		case 'Z':
			_, off := t.Zone()
			b.WriteString(strconv.Itoa(off / 60))
		case '%':
			b.WriteByte('%')
		}
	}
	return b.String()
}
