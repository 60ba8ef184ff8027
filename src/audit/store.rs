//! Where an audit's findings wait for the printers: their text (message,
//! help, extra fields) is spilled to an unnamed temporary file as the rules
//! report them, and a small sort key per finding stays in memory, up to a
//! bounded number: past [`RUN_KEYS`] keys, the keys are sorted and written
//! out as a sorted run to a second temporary file, and the runs are merged
//! back as the findings are read, so memory does not follow the number of
//! findings. Without a temporary file (none can be created) the records and
//! keys stay in memory, in the same encoding.

use crate::audit::spill::read_at;
use crate::audit::AuditFinding;
use crate::rule::RuleMeta;
use serde_json::{Map, Number, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Keys a store holds in memory before writing them out as a sorted run:
/// 256Ki keys, about 10 MB.
pub const RUN_KEYS: usize = 256 << 10;

/// Read-ahead shared by all the runs of one merge.
const MERGE_BUFFER: usize = 8 << 20;

/// What stays in memory of one finding.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Index of the first telemetry file of the finding's file name
    /// (`u32::MAX`: no file), as the report orders files.
    pub file: u32,
    pub line: u32,
    pub rule: &'static RuleMeta,
    /// The rule's position among the rules run, then the finding's among
    /// that rule's findings: the order the findings were reported in.
    pub order: u64,
    at: u64,
    len: u32,
    /// `rule`'s index in the store's rule table (how runs name it).
    rule_index: u32,
}

/// A finding as read back from the store.
#[derive(Debug, Clone)]
pub struct Record {
    pub file: u32,
    pub line: u32,
    pub line_chars: u32,
    pub offset: u64,
    pub rule: &'static RuleMeta,
    pub message: String,
    pub help: Option<String>,
    pub extra: BTreeMap<String, Value>,
}

/// The findings of one rule id.
#[derive(Debug, Clone, Copy)]
pub struct RuleFindings {
    /// The rule of the id's first finding in report order.
    pub rule: &'static RuleMeta,
    pub count: usize,
}

enum Spill {
    File(BufWriter<File>),
    Memory(Vec<u8>),
}

/// Counted as findings are pushed, so that nothing needs a pass over all
/// the keys.
struct RuleStat {
    rule: &'static RuleMeta,
    count: usize,
    /// The least (file, line, order) of the rule's findings.
    first: (u32, u32, u64),
}

/// The findings of one audit.
pub struct FindingStore {
    spill: Spill,
    written: u64,
    len: usize,
    /// Keys held before a run is written (`usize::MAX`: never).
    run_keys: usize,
    /// The keys not yet written to a run: all of them when no run was
    /// written, sorted in report order once `sort` ran.
    keys: Vec<Key>,
    /// Sorted runs of keys, when memory would not hold them all.
    runs: Option<RunFile>,
    /// The rules of the findings, by address; a key names its rule by
    /// index here.
    rules: Vec<RuleStat>,
    /// The first write error; reported when the findings are read.
    error: Option<io::Error>,
    sorted: bool,
}

impl std::fmt::Debug for FindingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindingStore")
            .field("findings", &self.len)
            .field("bytes", &self.written)
            .field("runs", &self.runs.as_ref().map_or(0, |r| r.runs.len()))
            .finish()
    }
}

impl Default for FindingStore {
    fn default() -> Self {
        FindingStore::new()
    }
}

impl FindingStore {
    /// A store spilling to temporary files, or kept in memory when none
    /// can be created.
    pub fn new() -> FindingStore {
        FindingStore::with_run_keys(RUN_KEYS)
    }

    /// A store spilling to temporary files that writes a sorted run of
    /// keys every `run_keys` findings (at least 1).
    pub fn with_run_keys(run_keys: usize) -> FindingStore {
        match tempfile::tempfile() {
            Ok(file) => FindingStore::with(
                Spill::File(BufWriter::with_capacity(64 << 10, file)),
                run_keys.max(1),
            ),
            Err(_) => FindingStore::in_memory(),
        }
    }

    /// A store that keeps its records and keys in memory.
    pub fn in_memory() -> FindingStore {
        FindingStore::with(Spill::Memory(Vec::new()), usize::MAX)
    }

    fn with(spill: Spill, run_keys: usize) -> FindingStore {
        FindingStore {
            spill,
            written: 0,
            len: 0,
            run_keys,
            keys: Vec::new(),
            runs: None,
            rules: Vec::new(),
            error: None,
            sorted: true,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The findings per rule id, the ids in the order of their first
    /// findings in report order.
    pub fn rules(&self) -> Vec<(&'static str, RuleFindings)> {
        let mut by_id: BTreeMap<&'static str, (RuleFindings, (u32, u32, u64))> = BTreeMap::new();
        for stat in &self.rules {
            let entry = by_id.entry(stat.rule.id).or_insert((
                RuleFindings {
                    rule: stat.rule,
                    count: 0,
                },
                stat.first,
            ));
            entry.0.count += stat.count;
            if stat.first < entry.1 {
                entry.0.rule = stat.rule;
                entry.1 = stat.first;
            }
        }
        let mut rules: Vec<_> = by_id.into_iter().collect();
        // A rule's first finding in report order is its least
        // (file, line); between rules the id breaks ties.
        rules.sort_by_key(|(id, (_, first))| (first.0, first.1, *id));
        rules
            .into_iter()
            .map(|(id, (found, _))| (id, found))
            .collect()
    }

    /// Adds a finding; `file` is its file's rank (see [`Key::file`]).
    pub fn push(&mut self, f: &AuditFinding, file: u32, order: u64) {
        if self.keys.len() >= self.run_keys {
            if let Err(e) = self.write_run() {
                self.error.get_or_insert(e);
            }
        }
        let mut buf = Vec::with_capacity(256);
        encode(f, &mut buf);
        let len = buf.len() as u32;
        let at = self.written;
        let res = match &mut self.spill {
            Spill::File(w) => w.write_all(&buf),
            Spill::Memory(v) => {
                v.extend_from_slice(&buf);
                Ok(())
            }
        };
        if let Err(e) = res {
            self.error.get_or_insert(e);
        }
        self.written += buf.len() as u64;
        let rule_index = self.count(f.rule, (file, f.line, order));
        self.keys.push(Key {
            file,
            line: f.line,
            rule: f.rule,
            order,
            at,
            len,
            rule_index,
        });
        self.len += 1;
        self.sorted = false;
    }

    /// Counts a finding of `rule` at `at`; returns the rule's index.
    fn count(&mut self, rule: &'static RuleMeta, at: (u32, u32, u64)) -> u32 {
        let i = match self.rules.iter().position(|s| std::ptr::eq(s.rule, rule)) {
            Some(i) => i,
            None => {
                self.rules.push(RuleStat {
                    rule,
                    count: 0,
                    first: at,
                });
                self.rules.len() - 1
            }
        };
        let stat = &mut self.rules[i];
        stat.count += 1;
        stat.first = stat.first.min(at);
        i as u32
    }

    /// Sorts the keys in memory and writes them out as a run; the keys
    /// are dropped even when writing fails (the error is reported when
    /// the findings are read).
    fn write_run(&mut self) -> io::Result<()> {
        if self.runs.is_none() {
            match RunFile::new() {
                Ok(runs) => self.runs = Some(runs),
                // No second temporary file: keep the keys in memory.
                Err(_) => {
                    self.run_keys = usize::MAX;
                    return Ok(());
                }
            }
        }
        let mut keys = std::mem::take(&mut self.keys);
        let res = self.flush().and_then(|()| self.sort_keys(&mut keys));
        let res = res.and_then(|()| match &mut self.runs {
            Some(runs) => runs.write_run(&keys, put_key),
            None => Ok(()),
        });
        keys.clear();
        self.keys = keys;
        res
    }

    /// Sorts keys as the report lists them: file, line, rule id, then
    /// message, then the order they were reported in.
    fn sort_keys(&self, keys: &mut [Key]) -> io::Result<()> {
        keys.sort_unstable_by_key(|k| (k.file, k.line, k.rule.id, k.order));
        // Ties on (file, line, rule) are ordered by message: read the
        // messages of those runs only.
        let mut i = 0;
        while i < keys.len() {
            let head = tie_key(&keys[i]);
            let mut j = i + 1;
            while j < keys.len() && tie_key(&keys[j]) == head {
                j += 1;
            }
            if j - i > 1 {
                self.sort_ties(&mut keys[i..j])?;
            }
            i = j;
        }
        Ok(())
    }

    /// Sorts keys equal in (file, line, rule id) by message, then order.
    fn sort_ties(&self, keys: &mut [Key]) -> io::Result<()> {
        let mut tied: Vec<(String, Key)> = Vec::with_capacity(keys.len());
        for k in keys.iter() {
            tied.push((self.read(k)?.message, *k));
        }
        tied.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.order.cmp(&b.1.order)));
        for (slot, (_, k)) in keys.iter_mut().zip(tied) {
            *slot = k;
        }
        Ok(())
    }

    /// Sorts the findings as the report lists them: file, line, rule id,
    /// then message, then the order they were reported in. Once runs were
    /// written, the last keys become one more run and the runs are merged
    /// as the findings are read.
    pub fn sort(&mut self) -> io::Result<()> {
        if self.sorted {
            return Ok(());
        }
        self.flush()?;
        if self.runs.is_some() {
            if !self.keys.is_empty() {
                self.write_run()?;
            }
            self.keys = Vec::new();
            if let Some(runs) = &mut self.runs {
                runs.flush()?;
            }
        } else {
            let mut keys = std::mem::take(&mut self.keys);
            let res = self.sort_keys(&mut keys);
            self.keys = keys;
            res?;
        }
        self.sorted = true;
        Ok(())
    }

    /// Sorts; an error (writing or reading the temporary file) is kept
    /// and returned by `for_each`.
    pub fn finish(&mut self) {
        if let Err(e) = self.sort() {
            self.error.get_or_insert(e);
        }
    }

    fn check(&self) -> io::Result<()> {
        match &self.error {
            Some(e) => Err(io::Error::new(
                e.kind(),
                format!("spilling audit findings to a temporary file: {e}"),
            )),
            None => Ok(()),
        }
    }

    fn check_sorted(&self) -> io::Result<()> {
        self.check()?;
        if !self.sorted {
            return Err(io::Error::other("audit findings read before being sorted"));
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check()?;
        if let Spill::File(w) = &mut self.spill {
            w.flush()?;
        }
        Ok(())
    }

    /// Reads one finding back.
    pub fn read(&self, key: &Key) -> io::Result<Record> {
        let mut buf = vec![0u8; key.len as usize];
        match &self.spill {
            Spill::File(w) => {
                read_at(w.get_ref(), &mut buf, key.at).map_err(reading)?;
            }
            Spill::Memory(v) => {
                let range = key.at as usize..key.at as usize + key.len as usize;
                let bytes = v.get(range).ok_or_else(|| corrupt("record out of range"))?;
                buf.copy_from_slice(bytes);
            }
        }
        let mut r = Reader { buf: &buf, at: 0 };
        Ok(Record {
            file: key.file,
            line: key.line,
            rule: key.rule,
            line_chars: r.u32()?,
            offset: r.u64()?,
            message: r.string()?,
            help: match r.u8()? {
                0 => None,
                _ => Some(r.string()?),
            },
            extra: {
                let n = r.u32()?;
                let mut extra = BTreeMap::new();
                for _ in 0..n {
                    let k = r.string()?;
                    extra.insert(k, r.value()?);
                }
                extra
            },
        })
    }

    /// Every finding in report order (after `finish`).
    pub fn for_each(&self, mut f: impl FnMut(&Key, Record) -> io::Result<()>) -> io::Result<()> {
        self.for_each_key(|key| f(&key, self.read(&key)?))
    }

    /// Every key in report order (after `finish`); only keys tied on
    /// (file, line, rule id) have their records read (for the message).
    pub fn for_each_key(&self, mut f: impl FnMut(Key) -> io::Result<()>) -> io::Result<()> {
        self.check_sorted()?;
        let Some(runs) = &self.runs else {
            return self.keys.iter().try_for_each(|k| f(*k));
        };
        runs.merge(
            KEY_BYTES,
            |bytes| self.get_key(&mut Reader { buf: bytes, at: 0 }),
            tie_key,
            |tied| {
                if tied.len() > 1 {
                    self.sort_ties(tied)?;
                }
                tied.iter().try_for_each(|k| f(*k))
            },
        )
    }

    /// Every finding ordered by (`rank(file)`, line, rule id), findings
    /// equal in those in report order (after `finish`).
    pub fn for_each_ranked(
        &self,
        rank: impl Fn(u32) -> u32,
        mut f: impl FnMut(&Key, Record) -> io::Result<()>,
    ) -> io::Result<()> {
        self.check_sorted()?;
        let order = |r: &Ranked| (r.rank, r.key.line, r.key.rule.id, r.pos);
        if self.runs.is_none() {
            // All keys in memory: sort their positions (a stable sort,
            // as positions are in report order).
            let mut positions: Vec<usize> = (0..self.keys.len()).collect();
            positions.sort_by_key(|&i| self.keys.get(i).map(|k| (rank(k.file), k.line, k.rule.id)));
            return (positions.iter().filter_map(|&i| self.keys.get(i)))
                .try_for_each(|k| f(k, self.read(k)?));
        }
        // A second external sort of the merged report order; the position
        // in report order breaks ties, as a stable sort would.
        let mut runs = RunFile::new().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("creating a temporary file for audit findings: {e}"),
            )
        })?;
        let mut ranked: Vec<Ranked> = Vec::with_capacity(self.run_keys.min(self.len));
        let mut pos = 0;
        self.for_each_key(|key| {
            if ranked.len() >= self.run_keys {
                ranked.sort_unstable_by_key(order);
                runs.write_run(&ranked, put_ranked).map_err(spilling)?;
                ranked.clear();
            }
            ranked.push(Ranked {
                rank: rank(key.file),
                pos,
                key,
            });
            pos += 1;
            Ok(())
        })?;
        ranked.sort_unstable_by_key(order);
        if runs.runs.is_empty() {
            return ranked
                .iter()
                .try_for_each(|r| f(&r.key, self.read(&r.key)?));
        }
        if !ranked.is_empty() {
            runs.write_run(&ranked, put_ranked).map_err(spilling)?;
        }
        drop(ranked);
        runs.flush().map_err(spilling)?;
        runs.merge(
            RANKED_BYTES,
            |bytes| {
                let mut r = Reader { buf: bytes, at: 0 };
                Ok(Ranked {
                    rank: r.u32()?,
                    pos: r.u64()?,
                    key: self.get_key(&mut r)?,
                })
            },
            order,
            |tied| tied.iter().try_for_each(|r| f(&r.key, self.read(&r.key)?)),
        )
    }

    fn get_key(&self, r: &mut Reader) -> io::Result<Key> {
        let file = r.u32()?;
        let line = r.u32()?;
        let rule_index = r.u32()?;
        let rule = self
            .rules
            .get(rule_index as usize)
            .ok_or_else(|| corrupt("unknown rule"))?
            .rule;
        Ok(Key {
            file,
            line,
            rule,
            order: r.u64()?,
            at: r.u64()?,
            len: r.u32()?,
            rule_index,
        })
    }
}

/// What the report order compares before reading messages.
fn tie_key(k: &Key) -> (u32, u32, &'static str) {
    (k.file, k.line, k.rule.id)
}

/// The encoded size of a [`Key`].
const KEY_BYTES: usize = 32;

fn put_key(k: &Key, out: &mut Vec<u8>) {
    put_u32(out, k.file);
    put_u32(out, k.line);
    put_u32(out, k.rule_index);
    put_u64(out, k.order);
    put_u64(out, k.at);
    put_u32(out, k.len);
}

/// A key with its file's rank and its position in report order.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    rank: u32,
    pos: u64,
    key: Key,
}

/// The encoded size of a [`Ranked`].
const RANKED_BYTES: usize = 12 + KEY_BYTES;

fn put_ranked(r: &Ranked, out: &mut Vec<u8>) {
    put_u32(out, r.rank);
    put_u64(out, r.pos);
    put_key(&r.key, out);
}

/// Sorted runs of fixed-size items in an unnamed temporary file.
struct RunFile {
    out: BufWriter<File>,
    written: u64,
    /// Byte ranges of the runs, in the order written.
    runs: Vec<(u64, u64)>,
}

impl RunFile {
    fn new() -> io::Result<RunFile> {
        Ok(RunFile {
            out: BufWriter::with_capacity(64 << 10, tempfile::tempfile()?),
            written: 0,
            runs: Vec::new(),
        })
    }

    /// Appends `items` (sorted) as one run.
    fn write_run<T>(&mut self, items: &[T], put: fn(&T, &mut Vec<u8>)) -> io::Result<()> {
        let start = self.written;
        let mut buf = Vec::with_capacity(64);
        for item in items {
            buf.clear();
            put(item, &mut buf);
            self.out.write_all(&buf)?;
            self.written += buf.len() as u64;
        }
        self.runs.push((start, self.written));
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Merges the runs (flushed) of `size`-byte items in the order of
    /// `head`; `tied` gets the items equal in `head`, in the order of the
    /// runs they come from, to order and use them.
    fn merge<T, H: Ord>(
        &self,
        size: usize,
        get: impl Fn(&[u8]) -> io::Result<T>,
        head: impl Fn(&T) -> H,
        mut tied: impl FnMut(&mut [T]) -> io::Result<()>,
    ) -> io::Result<()> {
        let file = self.out.get_ref();
        // Whole items per read, the read-ahead shared among the runs.
        let chunk = (MERGE_BUFFER / self.runs.len().max(1)).clamp(4 << 10, 256 << 10);
        let chunk = (chunk / size).max(1) * size;
        let mut readers: Vec<RunReader> = (self.runs.iter())
            .map(|&(start, end)| RunReader {
                next: start,
                end,
                buf: Vec::new(),
                at: 0,
                chunk,
            })
            .collect();
        let mut heads: Vec<Option<T>> = (0..readers.len()).map(|_| None).collect();
        let mut heap: BinaryHeap<Reverse<(H, usize)>> = BinaryHeap::with_capacity(readers.len());
        let mut advance = |run: usize,
                           heads: &mut Vec<Option<T>>,
                           heap: &mut BinaryHeap<Reverse<(H, usize)>>|
         -> io::Result<Option<T>> {
            let Some(reader) = readers.get_mut(run) else {
                return Ok(None);
            };
            let next = match reader.next(file, size).map_err(reading)? {
                Some(bytes) => Some(get(bytes)?),
                None => None,
            };
            if let Some(item) = &next {
                heap.push(Reverse((head(item), run)));
            }
            Ok(heads
                .get_mut(run)
                .and_then(|slot| std::mem::replace(slot, next)))
        };
        for run in 0..heads.len() {
            advance(run, &mut heads, &mut heap)?;
        }
        let mut group: Vec<T> = Vec::new();
        while let Some(Reverse((first, run))) = heap.pop() {
            group.extend(advance(run, &mut heads, &mut heap)?);
            // The run just advanced may hold more of the tie: it is back
            // in the heap.
            while heap.peek().is_some_and(|Reverse((h, _))| *h == first) {
                if let Some(Reverse((_, run))) = heap.pop() {
                    group.extend(advance(run, &mut heads, &mut heap)?);
                }
            }
            tied(&mut group)?;
            group.clear();
        }
        Ok(())
    }
}

/// Buffered sequential reading of one run.
struct RunReader {
    next: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
    chunk: usize,
}

impl RunReader {
    /// The next item's bytes, `None` at the end of the run.
    fn next(&mut self, file: &File, size: usize) -> io::Result<Option<&[u8]>> {
        if self.at + size > self.buf.len() {
            let left = self.end.saturating_sub(self.next);
            if left == 0 {
                return Ok(None);
            }
            let n = left.min(self.chunk as u64) as usize;
            self.buf.resize(n, 0);
            read_at(file, &mut self.buf, self.next)?;
            self.next += n as u64;
            self.at = 0;
        }
        let bytes =
            (self.buf.get(self.at..self.at + size)).ok_or_else(|| corrupt("truncated run"))?;
        self.at += size;
        Ok(Some(bytes))
    }
}

fn reading(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("reading audit findings back from a temporary file: {e}"),
    )
}

fn spilling(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("spilling audit findings to a temporary file: {e}"),
    )
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("audit findings read back damaged: {what}"),
    )
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn encode(f: &AuditFinding, out: &mut Vec<u8>) {
    put_u32(out, f.line_chars);
    put_u64(out, f.offset);
    put_str(out, &f.message);
    match &f.help {
        Some(h) => {
            out.push(1);
            put_str(out, h);
        }
        None => out.push(0),
    }
    put_u32(out, f.extra.len() as u32);
    for (k, v) in &f.extra {
        put_str(out, k);
        put_value(out, v);
    }
}

/// JSON values with their numbers bit for bit (a text round trip could
/// change the last digit of a float).
fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(false) => out.push(1),
        Value::Bool(true) => out.push(2),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push(3);
                put_u64(out, u);
            } else if let Some(i) = n.as_i64() {
                out.push(4);
                put_u64(out, i as u64);
            } else {
                out.push(5);
                put_u64(out, n.as_f64().unwrap_or(f64::NAN).to_bits());
            }
        }
        Value::String(s) => {
            out.push(6);
            put_str(out, s);
        }
        Value::Array(items) => {
            out.push(7);
            put_u32(out, items.len() as u32);
            for item in items {
                put_value(out, item);
            }
        }
        Value::Object(map) => {
            out.push(8);
            put_u32(out, map.len() as u32);
            for (k, v) in map {
                put_str(out, k);
                put_value(out, v);
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        let end = self.at.checked_add(n).ok_or_else(|| corrupt("length"))?;
        let bytes = self
            .buf
            .get(self.at..end)
            .ok_or_else(|| corrupt("truncated record"))?;
        self.at = end;
        Ok(bytes)
    }

    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> io::Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> io::Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn string(&mut self) -> io::Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("text not UTF-8"))
    }

    fn value(&mut self) -> io::Result<Value> {
        Ok(match self.u8()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::from(self.u64()?),
            4 => Value::from(self.u64()? as i64),
            5 => Number::from_f64(f64::from_bits(self.u64()?)).map_or(Value::Null, Value::Number),
            6 => Value::String(self.string()?),
            7 => {
                let n = self.u32()? as usize;
                let mut items = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            8 => {
                let n = self.u32()?;
                let mut map = Map::new();
                for _ in 0..n {
                    let k = self.string()?;
                    map.insert(k, self.value()?);
                }
                Value::Object(map)
            }
            _ => return Err(corrupt("unknown value tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::rule::Scope;

    const fn meta(id: &'static str) -> RuleMeta {
        RuleMeta {
            id,
            scope: Scope::Telemetry,
            default_severity: Severity::Warning,
            summary: "",
            docs: "",
        }
    }

    static RULES: [RuleMeta; 3] = [meta("rule-b"), meta("rule-a"), meta("rule-c")];

    /// What a finding reads back as, with its key's file rank and order.
    type Seen = (
        u32,
        u32,
        &'static str,
        String,
        u64,
        u64,
        Option<String>,
        String,
    );

    /// `n` findings, pushed in a scrambled order, with many ties on
    /// (file, line, rule) that only the message (or the order) breaks.
    fn findings(n: u64) -> Vec<(AuditFinding, u32, u64)> {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let mut seq = [0u64; 3];
        (0..n)
            .map(|i| {
                let rule = next(3) as usize;
                let file = [0, 1, 3, u32::MAX][next(4) as usize];
                let line = 1 + next(3) as u32;
                let order = ((rule as u64) << 32) | seq[rule];
                seq[rule] += 1;
                let mut extra = BTreeMap::new();
                extra.insert("n".to_string(), Value::from(i));
                let f = AuditFinding {
                    rule: &RULES[rule],
                    file: file.min(3),
                    line,
                    line_chars: 10 + i as u32,
                    offset: 100 * i,
                    message: format!("message {}", next(4)),
                    help: (i % 2 == 0).then(|| format!("help {i}")),
                    extra,
                };
                (f, file, order)
            })
            .collect()
    }

    fn filled(mut store: FindingStore, items: &[(AuditFinding, u32, u64)]) -> FindingStore {
        for (f, file, order) in items {
            store.push(f, *file, *order);
        }
        store.finish();
        store
    }

    fn seen(key: &Key, r: Record) -> Seen {
        (
            key.file,
            r.line,
            r.rule.id,
            r.message,
            key.order,
            r.offset,
            r.help,
            serde_json::to_string(&r.extra).unwrap_or_default(),
        )
    }

    fn report_order(store: &FindingStore) -> Vec<Seen> {
        let mut out = Vec::new();
        let res = store.for_each(|key, r| {
            out.push(seen(key, r));
            Ok(())
        });
        assert!(res.is_ok(), "{res:?}");
        out
    }

    /// File ranks 0 and 3 share a path; findings without a file sort
    /// between.
    fn rank(file: u32) -> u32 {
        match file {
            0 | 3 => 2,
            1 => 0,
            _ => 1,
        }
    }

    fn ranked_order(store: &FindingStore) -> Vec<Seen> {
        let mut out = Vec::new();
        let res = store.for_each_ranked(rank, |key, r| {
            out.push(seen(key, r));
            Ok(())
        });
        assert!(res.is_ok(), "{res:?}");
        out
    }

    fn runs(store: &FindingStore) -> usize {
        store.runs.as_ref().map_or(0, |r| r.runs.len())
    }

    #[test]
    fn spilled_runs_merge_in_report_order() {
        let items = findings(120);
        let whole = filled(FindingStore::with_run_keys(usize::MAX), &items);
        assert_eq!(runs(&whole), 0);
        let expected = report_order(&whole);
        // The order spelled out: file, line, rule id, message, order.
        let mut sorted = expected.clone();
        sorted.sort_by(|a, b| (a.0, a.1, a.2, &a.3, a.4).cmp(&(b.0, b.1, b.2, &b.3, b.4)));
        assert_eq!(expected, sorted);
        assert_eq!(expected.len(), items.len());
        assert_eq!(
            report_order(&filled(FindingStore::in_memory(), &items)),
            expected
        );
        for run_keys in [1, 3, 4, 7, 64] {
            let store = filled(FindingStore::with_run_keys(run_keys), &items);
            assert!(runs(&store) > 1, "run size {run_keys}");
            assert_eq!(report_order(&store), expected, "run size {run_keys}");
        }
    }

    #[test]
    fn spilled_runs_merge_in_path_order() {
        let items = findings(120);
        let whole = filled(FindingStore::with_run_keys(usize::MAX), &items);
        // A stable sort of report order by (path, line, rule id).
        let mut expected = report_order(&whole);
        expected.sort_by_key(|s| (rank(s.0), s.1, s.2));
        assert_eq!(ranked_order(&whole), expected);
        assert_eq!(
            ranked_order(&filled(FindingStore::in_memory(), &items)),
            expected
        );
        for run_keys in [1, 3, 4, 7, 64] {
            let store = filled(FindingStore::with_run_keys(run_keys), &items);
            assert_eq!(ranked_order(&store), expected, "run size {run_keys}");
        }
    }

    #[test]
    fn rules_count_in_order_of_first_finding() {
        let items = findings(120);
        let mut first_seen: Vec<&str> = Vec::new();
        for s in report_order(&filled(FindingStore::in_memory(), &items)) {
            if !first_seen.contains(&s.2) {
                first_seen.push(s.2);
            }
        }
        for store in [
            filled(FindingStore::in_memory(), &items),
            filled(FindingStore::with_run_keys(3), &items),
        ] {
            let rules = store.rules();
            let ids: Vec<&str> = rules.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids, first_seen);
            for (id, found) in rules {
                let count = items.iter().filter(|(f, _, _)| f.rule.id == id).count();
                assert_eq!(found.count, count, "{id}");
                assert_eq!(found.rule.id, id);
            }
            assert_eq!(store.len(), items.len());
        }
    }

    #[test]
    fn no_findings() {
        let store = filled(FindingStore::with_run_keys(3), &[]);
        assert!(store.is_empty());
        assert_eq!(runs(&store), 0);
        assert!(report_order(&store).is_empty());
        assert!(ranked_order(&store).is_empty());
        assert!(store.rules().is_empty());
    }

    #[test]
    fn run_size_findings_stay_in_memory() {
        let items = findings(4);
        let expected = report_order(&filled(FindingStore::in_memory(), &items[..3]));
        let store = filled(FindingStore::with_run_keys(3), &items[..3]);
        assert_eq!(runs(&store), 0);
        assert_eq!(report_order(&store), expected);
        // One more: a run of three and one of one.
        let expected = report_order(&filled(FindingStore::in_memory(), &items));
        let store = filled(FindingStore::with_run_keys(3), &items);
        assert_eq!(runs(&store), 2);
        assert_eq!(report_order(&store), expected);
        let mut by_path = expected;
        by_path.sort_by_key(|s| (rank(s.0), s.1, s.2));
        assert_eq!(ranked_order(&store), by_path);
    }
}
