//! Where an audit's findings wait for the printers: their text (message,
//! help, extra fields) is spilled to an unnamed temporary file as the rules
//! report them, and only a small sort key per finding stays in memory, so
//! memory does not follow the number of findings. Without a temporary file
//! (none can be created) the records stay in memory, in the same encoding.

use crate::audit::AuditFinding;
use crate::rule::RuleMeta;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

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

enum Spill {
    File(BufWriter<std::fs::File>),
    Memory(Vec<u8>),
}

/// The findings of one audit.
pub struct FindingStore {
    spill: Spill,
    written: u64,
    keys: Vec<Key>,
    /// The first write error; reported when the findings are read.
    error: Option<io::Error>,
    sorted: bool,
}

impl std::fmt::Debug for FindingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindingStore")
            .field("findings", &self.keys.len())
            .field("bytes", &self.written)
            .finish()
    }
}

impl Default for FindingStore {
    fn default() -> Self {
        FindingStore::new()
    }
}

impl FindingStore {
    /// A store spilling to a temporary file, or kept in memory when none
    /// can be created.
    pub fn new() -> FindingStore {
        let spill = match tempfile::tempfile() {
            Ok(file) => Spill::File(BufWriter::with_capacity(64 << 10, file)),
            Err(_) => Spill::Memory(Vec::new()),
        };
        FindingStore::with(spill)
    }

    /// A store that keeps its records in memory.
    pub fn in_memory() -> FindingStore {
        FindingStore::with(Spill::Memory(Vec::new()))
    }

    fn with(spill: Spill) -> FindingStore {
        FindingStore {
            spill,
            written: 0,
            keys: Vec::new(),
            error: None,
            sorted: true,
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The in-memory keys, in report order once `sort` ran.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Adds a finding; `file` is its file's rank (see [`Key::file`]).
    pub fn push(&mut self, f: &AuditFinding, file: u32, order: u64) {
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
        self.keys.push(Key {
            file,
            line: f.line,
            rule: f.rule,
            order,
            at,
            len,
        });
        self.sorted = false;
    }

    /// Sorts the findings as the report lists them: file, line, rule id,
    /// then message, then the order they were reported in.
    pub fn sort(&mut self) -> io::Result<()> {
        if self.sorted {
            return Ok(());
        }
        self.flush()?;
        self.keys.sort_by(|a, b| {
            (a.file, a.line, a.rule.id, a.order).cmp(&(b.file, b.line, b.rule.id, b.order))
        });
        // Ties on (file, line, rule) are ordered by message: read the
        // messages of those runs only.
        let mut i = 0;
        while i < self.keys.len() {
            let head = self.keys[i];
            let mut j = i + 1;
            while j < self.keys.len() && {
                let k = &self.keys[j];
                (k.file, k.line, k.rule.id) == (head.file, head.line, head.rule.id)
            } {
                j += 1;
            }
            if j - i > 1 {
                let mut run: Vec<(String, Key)> = Vec::with_capacity(j - i);
                for k in &self.keys[i..j] {
                    run.push((self.read(k)?.message, *k));
                }
                run.sort_by(|a, b| a.0.cmp(&b.0));
                for (slot, (_, k)) in self.keys[i..j].iter_mut().zip(run) {
                    *slot = k;
                }
            }
            i = j;
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
                read_at(w.get_ref(), &mut buf, key.at).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("reading audit findings back from a temporary file: {e}"),
                    )
                })?;
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
    pub fn for_each(&self, f: impl FnMut(&Key, Record) -> io::Result<()>) -> io::Result<()> {
        self.for_each_in(0..self.keys.len(), f)
    }

    /// The findings at `order` (positions in report order).
    pub fn for_each_in(
        &self,
        order: impl IntoIterator<Item = usize>,
        mut f: impl FnMut(&Key, Record) -> io::Result<()>,
    ) -> io::Result<()> {
        self.check()?;
        if !self.sorted {
            return Err(io::Error::other("audit findings read before being sorted"));
        }
        for i in order {
            if let Some(key) = self.keys.get(i) {
                f(key, self.read(key)?)?;
            }
        }
        Ok(())
    }
}

/// Reads at `at` without moving the file's position (appends go on at
/// the end).
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at)
}

#[cfg(not(unix))]
fn read_at(mut file: &std::fs::File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)?;
    file.seek(SeekFrom::End(0)).map(|_| ())
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
