package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Phase is when in the container's life a hook runs.
type Phase int

const (
	// PreStart hooks run one at a time before the app starts; they are the
	// files directly in a hook root, as in /docker-entrypoint.d.
	PreStart Phase = iota
	// PostStart hooks run one at a time once the app has started (and is
	// ready); they live in a root's post-start/ directory.
	PostStart
	// Background hooks run alongside the app, supervised; they live in a
	// root's background/ directory.
	Background
)

// phases lists every phase in the order the plan shows them.
var phases = [...]Phase{PreStart, PostStart, Background}

// String returns the phase's name as the plan and the log show it.
func (p Phase) String() string {
	switch p {
	case PreStart:
		return "pre-start"
	case PostStart:
		return "post-start"
	case Background:
		return "background"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// dir is the subdirectory of a root holding the phase's hooks; "" for
// pre-start, whose hooks sit in the root itself.
func (p Phase) dir() string {
	if p == PreStart {
		return ""
	}
	return p.String()
}

// Kind is how a hook file is run, or why it is not.
type Kind int

const (
	// Source: an executable *.envsh file, sourced into the embedded shell so
	// that the variables it exports reach later hooks and the app.
	Source Kind = iota
	// Interpret: an executable *.sh file, run by the embedded shell in a
	// fresh shell whatever its #! line says, so it works without /bin/sh.
	Interpret
	// Execute: any other executable file, executed directly (a binary, or a
	// script with its own #! line).
	Execute
	// Skipped: not run; Hook.Reason says why (not executable, or a problem
	// that makes the file impossible to run).
	Skipped
	// Masked: switched off by an empty file or a symlink to /dev/null of the
	// same name in a later root; Hook.Reason names the mask.
	Masked
)

// String returns the kind's name as the plan shows it.
func (k Kind) String() string {
	switch k {
	case Source:
		return "source"
	case Interpret:
		return "interpret"
	case Execute:
		return "execute"
	case Skipped:
		return "skipped"
	case Masked:
		return "masked"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Runs reports whether a hook of this kind is run at all.
func (k Kind) Runs() bool { return k == Source || k == Interpret || k == Execute }

// Hook is one entry of the plan: the file that won the layering for its
// name in its phase, and how it runs.
type Hook struct {
	// Name is the file name: the ordering and layering key.
	Name string
	// Path is the winning file: Root joined with the phase directory and
	// Name. For a Masked hook it is the file that was switched off (or the
	// mask itself when it had nothing to switch off).
	Path string
	// Root is the hook root Path lies in, as given to Discover.
	Root  string
	Phase Phase
	Kind  Kind
	// Reason says why a Skipped or Masked hook does not run: "not
	// executable", "masked by /app/30-old.sh", or the problem that stops it.
	Reason string
	// Directives are read from the file's leading comment lines; the zero
	// value (defaults) for binaries and for hooks that do not run.
	Directives Directives

	// checked is the script as discovery read, parsed and checked it, for
	// Shell.RunHook; nil for hooks that are not *.sh or *.envsh.
	checked *checkedScript
}

// DiscoverOptions tune Discover.
type DiscoverOptions struct {
	// MissingOK: a missing root is not an error. True for the default root
	// /docker-entrypoint.d, which an image need not have; false for roots
	// the user named, where a missing one is most likely a typo.
	MissingOK bool
	// Logf, if set, receives -v level lines about ignored files (format
	// without trailing newline). Skipped hooks are not logged here: they
	// are in the plan, and the runner reports each one at every verbosity.
	Logf func(format string, args ...any)
}

// scriptChecker finds problems in a *.sh or *.envsh hook without running it
// (syntax, constructs the embedded shell does not support, CRLF) and, when
// there are none, returns the checked script for the hook's first run. The
// shell side of the package sets it in an init function, so discovery does
// not depend on it being there; by default it finds nothing.
var scriptChecker = func(path string, src []byte) (*checkedScript, []Problem) { return nil, nil }

const (
	// headLen is how much of a file is read for directives and #!: enough
	// for any sensible header without reading a large binary.
	headLen = 8 << 10
	// maxScriptLen bounds what is read of a *.sh or *.envsh hook to check it,
	// so that a huge file cannot make PID 1 run out of memory.
	maxScriptLen = 64 << 20
)

// ignoredSuffixes mark editor and package manager leftovers: copies of a
// hook that must not run next to it.
var ignoredSuffixes = []string{
	"~", ".swp", ".swo", ".orig", ".rej", ".bak",
	".dpkg-old", ".dpkg-new", ".dpkg-dist", ".rpmnew", ".rpmsave",
}

// ignoredName says why a name is not a hook at all, or "" if it may be one.
func ignoredName(name string) string {
	if strings.HasPrefix(name, ".") {
		return "hidden file"
	}
	for _, s := range ignoredSuffixes {
		if strings.HasSuffix(name, s) {
			return "editor or package manager leftover"
		}
	}
	return ""
}

// hookLikeName reports whether a name says "I am a hook script", which
// makes a directory of that name a mistake rather than something to ignore.
func hookLikeName(name string) bool {
	return strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, ".envsh")
}

// kindByName is how an executable file runs.
func kindByName(name string) Kind {
	switch {
	case strings.HasSuffix(name, ".envsh"):
		return Source
	case strings.HasSuffix(name, ".sh"):
		return Interpret
	}
	return Execute
}

// entry is one name in one root and phase, as found before layering. At
// most one of mask, problem and isDir says what it is; with none, info is
// the regular file (symlinks followed).
type entry struct {
	name, root, path string
	phase            Phase
	mask             string // how it masks: "empty file", "symlink to /dev/null"
	problem          string // why it cannot run at all
	isDir            bool
	info             fs.FileInfo
}

// layer is what the roots so far make of one name in one phase: the last
// real file (nil if none) and, if a later root masked it, the mask.
type layer struct {
	file, mask *entry
}

type discoverer struct {
	logf    func(format string, args ...any)
	devNull fs.FileInfo // nil if there is no /dev/null to compare with
	layers  [len(phases)]map[string]*layer
	plan    *Plan
}

// Discover reads the hook roots in order and returns the plan: for each
// phase, the hooks in run order after layering (a later root's file
// replaces an earlier root's file of the same name; an empty file or a
// symlink to /dev/null masks it).
//
// It returns an error, naming the root, only for a root that is missing (and
// not o.MissingOK), not a directory, or unreadable. Everything wrong with a
// single file is a Problem in the plan, so that --check reports all of them
// at once. Problems count only for files that win the layering: a broken
// file in a base image that a derived image replaces or masks is fine.
func Discover(roots []string, o DiscoverOptions) (*Plan, error) {
	d := &discoverer{logf: o.Logf, plan: &Plan{Roots: slices.Clone(roots)}}
	if d.logf == nil {
		d.logf = func(string, ...any) {}
	}
	if fi, err := os.Stat(os.DevNull); err == nil {
		d.devNull = fi
	}
	for i := range d.layers {
		d.layers[i] = map[string]*layer{}
	}
	for _, root := range roots {
		if err := d.readRoot(root, o.MissingOK); err != nil {
			return nil, err
		}
	}
	for _, ph := range phases {
		// Go in run order, so that problems and log lines come out in it.
		names := slices.SortedFunc(maps.Keys(d.layers[ph]), compareNames)
		hs := make([]Hook, 0, len(names))
		for _, name := range names {
			h := d.resolve(d.layers[ph][name])
			d.check(&h)
			hs = append(hs, h)
		}
		switch ph {
		case PreStart:
			d.plan.PreStart = hs
		case PostStart:
			d.plan.PostStart = hs
		case Background:
			d.plan.Background = hs
		}
	}
	return d.plan, nil
}

func (d *discoverer) readRoot(root string, missingOK bool) error {
	fi, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist) && missingOK:
		d.logf("no hook root %s: no hooks from it", root)
		return nil
	case err != nil:
		return fmt.Errorf("hooks: hook root %s: %w", root, unwrapPath(err))
	case !fi.IsDir():
		return fmt.Errorf("hooks: hook root %s: %w", root, syscall.ENOTDIR)
	}
	des, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("hooks: hook root %s: %w", root, unwrapPath(err))
	}
	for _, de := range des {
		e := d.inspect(root, PreStart, de.Name())
		if e == nil {
			continue
		}
		isPhaseDir := e.name == PostStart.dir() || e.name == Background.dir()
		switch {
		case isPhaseDir && e.isDir:
			ph := PostStart
			if e.name == Background.dir() {
				ph = Background
			}
			d.readPhaseDir(root, ph)
			continue
		case isPhaseDir && e.problem == "":
			// Even an empty file: it is not a mask for a pre-start hook
			// but a phase directory gone wrong.
			e.mask = ""
			e.problem = fmt.Sprintf("%s must be a directory: it holds the %s hooks", e.name, e.name)
		case e.isDir && hookLikeName(e.name):
			e.problem = "is a directory named like a hook; a hook must be a file"
		case e.isDir:
			// Helper scripts that hooks source commonly live in a
			// subdirectory; leave them alone.
			d.logf("ignoring directory %s", e.path)
			continue
		}
		d.add(e)
	}
	return nil
}

func (d *discoverer) readPhaseDir(root string, ph Phase) {
	dir := filepath.Join(root, ph.dir())
	des, err := os.ReadDir(dir)
	if err != nil {
		d.problem(Problem{Path: dir, Msg: "cannot read " + ph.String() + " hooks: " + errText(err)})
	}
	// ReadDir returns what it read before an error: use it.
	for _, de := range des {
		e := d.inspect(root, ph, de.Name())
		if e == nil {
			continue
		}
		if e.isDir {
			e.problem = "is a directory; a " + ph.String() + " hook must be a file"
		}
		d.add(e)
	}
}

// inspect looks at one directory entry without opening it (a FIFO would
// block PID 1). It returns nil for a name that is ignored.
func (d *discoverer) inspect(root string, ph Phase, name string) *entry {
	e := &entry{name: name, root: root, phase: ph, path: filepath.Join(root, ph.dir(), name)}
	if why := ignoredName(name); why != "" {
		d.logf("ignoring %s: %s", e.path, why)
		return nil
	}
	fi, err := os.Lstat(e.path)
	if err != nil {
		e.problem = "cannot read: " + errText(err)
		return e
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(e.path)
		// Compare the link text first: a mask must work where /dev/null
		// itself is missing, e.g. when checking an image's tree.
		if err == nil && filepath.Clean(target) == os.DevNull {
			e.mask = "symlink to " + os.DevNull
			return e
		}
		fi, err = os.Stat(e.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			e.problem = fmt.Sprintf("broken symlink to %q", target)
			return e
		case err != nil:
			e.problem = "cannot read: " + errText(err)
			return e
		}
	}
	switch {
	case fi.IsDir():
		e.isDir = true
	case d.devNull != nil && os.SameFile(fi, d.devNull):
		e.mask = "symlink to " + os.DevNull
	case !fi.Mode().IsRegular():
		e.problem = "not a regular file (" + fileType(fi.Mode()) + ")"
	case fi.Size() == 0:
		e.mask = "empty file"
	default:
		e.info = fi
	}
	return e
}

func (d *discoverer) add(e *entry) {
	l := d.layers[e.phase][e.name]
	if l == nil {
		l = &layer{}
		d.layers[e.phase][e.name] = l
	}
	if e.mask != "" {
		l.mask = e
		return
	}
	l.file, l.mask = e, nil
}

// resolve turns the outcome of layering into a hook, before its content is
// checked.
func (d *discoverer) resolve(l *layer) Hook {
	e := l.file
	if e == nil {
		e = l.mask
	}
	h := Hook{Name: e.name, Path: e.path, Root: e.root, Phase: e.phase}
	switch {
	case l.mask != nil && l.file != nil:
		h.Kind, h.Reason = Masked, "masked by "+l.mask.path
	case l.mask != nil:
		h.Kind, h.Reason = Masked, l.mask.mask+", nothing to mask"
	case e.problem != "":
		h.Kind, h.Reason = Skipped, e.problem
		d.problem(Problem{Path: e.path, Msg: e.problem})
	case e.info.Mode()&0o111 == 0:
		h.Kind, h.Reason = Skipped, "not executable"
	default:
		h.Kind = kindByName(e.name)
	}
	return h
}

func (d *discoverer) problem(p ...Problem) {
	d.plan.Problems = append(d.plan.Problems, p...)
}

// check reads a hook that is to run: its directives, its #! line, and for
// the embedded shell's files, the script checker's verdict. A file that
// cannot be read becomes Skipped, with a problem.
func (d *discoverer) check(h *Hook) {
	if !h.Kind.Runs() {
		return
	}
	// An executed file is only looked at; a script is read whole for the
	// script checker.
	limit, whole := int64(headLen), h.Kind != Execute
	if whole {
		limit = maxScriptLen
	}
	src, err := readFileMax(h.Path, limit, whole)
	switch {
	case errors.Is(err, errTooLarge):
		d.problem(Problem{Path: h.Path, Msg: fmt.Sprintf("larger than %d MiB: too large for a hook script", maxScriptLen>>20)})
		return
	case err != nil:
		h.Kind, h.Reason = Skipped, "cannot read: "+errText(err)
		d.problem(Problem{Path: h.Path, Msg: h.Reason})
		return
	}
	head := src
	if len(head) > headLen {
		// Cut at a line end so the last line parsed is a whole line.
		head = head[:headLen]
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i+1]
		}
	}
	dirs, probs, first := parseDirectives(head)
	for i := range probs {
		probs[i].Path = h.Path
	}
	d.problem(probs...)
	h.Directives = dirs
	if first > 0 && h.Phase != Background {
		d.problem(Problem{Path: h.Path, Line: first, Msg: "hookinit directives apply to background hooks only; this is a " + h.Phase.String() + " hook"})
	}
	switch h.Kind {
	case Execute:
		if p := checkExecutable(h.Path, src); p != nil {
			d.problem(*p)
		}
	default:
		var probs []Problem
		h.checked, probs = scriptChecker(h.Path, src)
		d.problem(probs...)
	}
}

// errTooLarge: a script is longer than it may be.
var errTooLarge = errors.New("file too large")

// readFileMax reads a file: all of it if whole (errTooLarge, without
// reading, if it is longer than limit), else its first limit+1 bytes, so
// the caller can tell that there is more. It opens without blocking and
// refuses anything but a regular file, in case the file was swapped for a
// FIFO since it was looked at: a blocked open would hang PID 1.
func readFileMax(path string, limit int64, whole bool) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("not a regular file (%s)", fileType(fi.Mode()))
	case whole && fi.Size() > limit:
		return nil, errTooLarge
	}
	src, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && whole && int64(len(src)) > limit {
		return nil, errTooLarge // it grew since Stat
	}
	return src, err
}

// checkExecutable finds what would make exec fail on a file the kernel runs
// itself: a #! interpreter that is missing or cannot run, or a file that is
// neither a script with #! nor an ELF binary (exec fails with ENOEXEC; a
// shell would fall back to /bin/sh, hookinit does not).
func checkExecutable(path string, head []byte) *Problem {
	if bytes.HasPrefix(head, []byte("\x7fELF")) {
		return nil
	}
	if !bytes.HasPrefix(head, []byte("#!")) {
		return &Problem{Path: path, Msg: "executable but neither a #! script nor an ELF binary, so it cannot be executed; name it *.sh to run it with the embedded shell"}
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	// The kernel skips blanks after #! and ends the interpreter at a
	// blank; the rest of the line is one argument.
	start := 0
	for start < len(line) && (line[start] == ' ' || line[start] == '\t') {
		start++
	}
	end := start
	for end < len(line) && line[end] != ' ' && line[end] != '\t' {
		end++
	}
	p := &Problem{Path: path, Line: 1, Col: 3 + start}
	interp := string(line[start:end])
	switch {
	case interp == "":
		p.Msg = "#! line names no interpreter"
	case strings.HasSuffix(interp, "\r"):
		p.Msg = fmt.Sprintf("#! interpreter %q ends in a carriage return: the file has CRLF (Windows) line endings", interp)
	default:
		fi, err := os.Stat(interp)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.Msg = fmt.Sprintf("#! interpreter %s does not exist", interp)
		case err != nil:
			p.Msg = fmt.Sprintf("#! interpreter %s: %s", interp, errText(err))
		case !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0:
			p.Msg = fmt.Sprintf("#! interpreter %s is not an executable file", interp)
		default:
			return nil
		}
	}
	return p
}

// fileType names the type of a file that is not a regular file.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

// unwrapPath drops the *fs.PathError layer, whose text repeats the path
// that the message names already.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// errText is an error's message without the operation and path.
func errText(err error) string { return unwrapPath(err).Error() }
