package protocol

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// docTable reads the markdown table that follows heading in file: one
// row per code, its cells trimmed, backquotes removed from the code.
func docTable(t *testing.T, file, heading string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", file, heading)
	}
	rows := map[string][]string{}
	inTable := false
	for line := range strings.SplitSeq(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		code := strings.Trim(cells[0], "`")
		if code == "code" || strings.HasPrefix(code, "-") {
			continue
		}
		if _, dup := rows[code]; dup {
			t.Errorf("%s lists %s twice", file, code)
		}
		rows[code] = cells[1:]
	}
	return rows
}

// TestDocCodeTables: docs/protocol.md's and docs/api.md's code tables say
// exactly what Codes says: the same codes, statuses and meanings. On a
// mismatch the test prints the rows the docs should have.
func TestDocCodeTables(t *testing.T) {
	for _, doc := range []struct {
		file, heading string
		surface       Surface
		row           func(CodeSpec) []string
	}{
		{"../docs/protocol.md", "## Error codes", Signal, func(c CodeSpec) []string { return []string{c.Meaning} }},
		{"../docs/api.md", "### Error codes", REST, func(c CodeSpec) []string { return []string{strconv.Itoa(c.Status), c.Meaning} }},
	} {
		rows := docTable(t, doc.file, doc.heading)
		var want strings.Builder
		bad := false
		for _, c := range Codes() {
			if c.Surface&doc.surface == 0 {
				continue
			}
			cells := doc.row(c)
			fmt.Fprintf(&want, "| `%s` | %s |\n", c.Code, strings.Join(cells, " | "))
			got, ok := rows[c.Code]
			delete(rows, c.Code)
			if !ok || strings.Join(got, "|") != strings.Join(cells, "|") {
				t.Errorf("%s: %s is %q, want %q", doc.file, c.Code, got, cells)
				bad = true
			}
		}
		for code := range rows {
			t.Errorf("%s lists %s, which Codes does not have on that surface", doc.file, code)
			bad = true
		}
		if bad {
			t.Logf("%s should list:\n%s", doc.file, want.String())
		}
	}
}

// TestCodeTable: codes are unique, and every code on the REST surface has
// a status.
func TestCodeTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		if seen[c.Code] {
			t.Errorf("%s is in the table twice", c.Code)
		}
		seen[c.Code] = true
		if c.Surface&REST != 0 && c.Status == 0 {
			t.Errorf("%s appears in the REST API but has no status", c.Code)
		}
		if c.Meaning == "" {
			t.Errorf("%s has no meaning", c.Code)
		}
	}
	if HTTPStatus("no_such_code") != 500 || HTTPStatus(CodeRoomNotFound) != 404 {
		t.Error("HTTPStatus is wrong")
	}
}
