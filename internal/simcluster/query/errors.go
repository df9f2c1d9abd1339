package query

import "fmt"

// Error is a server error as a reply would carry it: {ok: 0, errmsg, code, codeName}.
type Error struct {
	Code     int32
	CodeName string
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

func errorf(code int32, codeName, format string, a ...any) *Error {
	return &Error{Code: code, CodeName: codeName, Msg: fmt.Sprintf(format, a...)}
}

// badValue is code 2, the catch-all the server uses for malformed filters.
func badValue(format string, a ...any) *Error {
	return errorf(2, "BadValue", format, a...)
}

// location builds the "Location<code>" errors the server raises from
// numbered assertions (uassert with a bare code), such as most pipeline errors.
func location(code int32, format string, a ...any) *Error {
	return errorf(code, fmt.Sprintf("Location%d", code), format, a...)
}

func typeMismatch(format string, a ...any) *Error {
	return errorf(14, "TypeMismatch", format, a...)
}

func failedToParse(format string, a ...any) *Error {
	return errorf(9, "FailedToParse", format, a...)
}
