//! Where sessions wait between reading and the rules: each part of the
//! input, once read, writes its sessions (kept events and aggregates) to an
//! unnamed temporary file and keeps only a small reference per session, so
//! that memory does not follow the number of sessions. The rules then load
//! them back one at a time, in session order. Records are `postcard`
//! (serde) encoded. Without a temporary file (none can be created, or a
//! write failed) a record stays in memory.

use crate::audit::event::Event;
use crate::audit::fold::SessionAgg;
use serde::{de::DeserializeOwned, Serialize};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// Where one record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpillRef {
    File { at: u64, len: u32 },
    Memory { index: u32 },
}

struct Inner {
    file: Option<io::BufWriter<std::fs::File>>,
    written: u64,
    /// Records that could not go to the file.
    memory: Vec<Box<[u8]>>,
}

/// Records of one audit, written by the reading threads, read back by the
/// rules. Cheap to clone (shared).
#[derive(Clone)]
pub struct Spill {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spill")
    }
}

impl Default for Spill {
    fn default() -> Self {
        Spill::new()
    }
}

impl Spill {
    /// A spill to a temporary file (in memory when none can be created).
    pub fn new() -> Spill {
        let file = tempfile::tempfile()
            .ok()
            .map(|f| io::BufWriter::with_capacity(256 << 10, f));
        Spill::with(file)
    }

    /// A spill that keeps its records in memory.
    pub fn in_memory() -> Spill {
        Spill::with(None)
    }

    fn with(file: Option<io::BufWriter<std::fs::File>>) -> Spill {
        Spill {
            inner: Arc::new(Mutex::new(Inner {
                file,
                written: 0,
                memory: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes one record.
    pub fn put<T: Serialize + ?Sized>(&self, record: &T) -> io::Result<SpillRef> {
        let bytes = postcard::to_stdvec(record).map_err(io::Error::other)?;
        let mut inner = self.lock();
        if let Ok(len) = u32::try_from(bytes.len()) {
            let at = inner.written;
            let wrote = match inner.file.as_mut() {
                Some(file) => file.write_all(&bytes).is_ok(),
                None => false,
            };
            if wrote {
                inner.written += bytes.len() as u64;
                return Ok(SpillRef::File { at, len });
            }
            // A failed write may have left part of the record: the file is
            // not trusted for more.
            inner.file = None;
        }
        let index = u32::try_from(inner.memory.len())
            .map_err(|_| io::Error::other("too many spilled records"))?;
        inner.memory.push(bytes.into_boxed_slice());
        Ok(SpillRef::Memory { index })
    }

    /// Reads one record back.
    pub fn get<T: DeserializeOwned>(&self, at: SpillRef) -> io::Result<T> {
        let mut inner = self.lock();
        let bytes: Vec<u8> = match at {
            SpillRef::File { at, len } => {
                let file = inner.file.as_mut().ok_or_else(|| {
                    io::Error::other("the temporary file of spilled sessions was lost")
                })?;
                file.flush()?;
                let mut buf = vec![0u8; len as usize];
                read_at(file.get_ref(), &mut buf, at)?;
                buf
            }
            SpillRef::Memory { index } => inner
                .memory
                .get(index as usize)
                .map(|b| b.to_vec())
                .ok_or_else(|| io::Error::other("spilled record out of range"))?,
        };
        drop(inner);
        postcard::from_bytes(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a spilled record read back damaged: {e}"),
            )
        })
    }
}

/// Records appended one after another and read back in the same order
/// (session summaries: made as the rules finish each session, printed
/// after the findings are sorted). Nothing per record stays in memory.
pub struct RecordLog {
    file: Option<io::BufWriter<std::fs::File>>,
    written: u64,
    /// Records that could not go to the file: those from the first failed
    /// write on.
    memory: Vec<Box<[u8]>>,
    count: usize,
}

impl std::fmt::Debug for RecordLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordLog")
            .field("records", &self.count)
            .finish()
    }
}

impl Default for RecordLog {
    fn default() -> Self {
        RecordLog::new()
    }
}

impl RecordLog {
    /// A log in a temporary file (in memory when none can be created).
    pub fn new() -> RecordLog {
        RecordLog {
            file: tempfile::tempfile()
                .ok()
                .map(|f| io::BufWriter::with_capacity(64 << 10, f)),
            written: 0,
            memory: Vec::new(),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn push<T: Serialize + ?Sized>(&mut self, record: &T) -> io::Result<()> {
        let bytes = postcard::to_stdvec(record).map_err(io::Error::other)?;
        self.count += 1;
        if self.memory.is_empty() {
            if let Some(file) = self.file.as_mut() {
                let len = (bytes.len() as u64).to_le_bytes();
                if file.write_all(&len).is_ok() && file.write_all(&bytes).is_ok() {
                    self.written += 8 + bytes.len() as u64;
                    return Ok(());
                }
                // What a failed write left is not read back: the file ends
                // at `written`, and the rest stays in memory.
            }
        }
        self.memory.push(bytes.into_boxed_slice());
        Ok(())
    }

    /// Writes out what is buffered: then `for_each` can read.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }

    /// Every record in the order pushed (after `finish`).
    pub fn for_each<T: DeserializeOwned>(
        &self,
        mut f: impl FnMut(T) -> io::Result<()>,
    ) -> io::Result<()> {
        let decode = |bytes: &[u8]| -> io::Result<T> {
            postcard::from_bytes(bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a spilled record read back damaged: {e}"),
                )
            })
        };
        if let Some(file) = self.file.as_ref() {
            if !file.buffer().is_empty() {
                return Err(io::Error::other("spilled records read before `finish`"));
            }
            let file = file.get_ref();
            let mut at = 0u64;
            let mut buf = Vec::new();
            while at < self.written {
                let mut len = [0u8; 8];
                read_at(file, &mut len, at)?;
                let len = u64::from_le_bytes(len);
                if len > self.written - at - 8 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a spilled record read back damaged: length out of range",
                    ));
                }
                buf.resize(len as usize, 0);
                read_at(file, &mut buf, at + 8)?;
                f(decode(&buf)?)?;
                at += 8 + len;
            }
        }
        for bytes in &self.memory {
            f(decode(bytes)?)?;
        }
        Ok(())
    }
}

/// A session as spilled: its kept events and aggregates.
pub type SessionRecord = (Vec<Event>, Box<SessionAgg>);

/// Reads at `at` without moving the file's position (appends go on at
/// the end).
#[cfg(unix)]
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at)
}

#[cfg(not(unix))]
pub(crate) fn read_at(mut file: &std::fs::File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)?;
    file.seek(SeekFrom::End(0)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_reads_back_in_order_more_than_once() {
        let mut log = RecordLog::new();
        for i in 0..1000u32 {
            log.push(&(i, format!("record {i}"))).unwrap();
        }
        assert_eq!(log.len(), 1000);
        log.finish().unwrap();
        for _ in 0..2 {
            let mut next = 0u32;
            log.for_each(|(i, text): (u32, String)| {
                assert_eq!(
                    (i, text.as_str()),
                    (next, format!("record {next}").as_str())
                );
                next += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(next, 1000);
        }
    }

    #[test]
    fn records_come_back_as_written_from_file_and_memory() {
        for spill in [Spill::new(), Spill::in_memory()] {
            let a = spill.put(&("first".to_string(), 1u64)).unwrap();
            let b = spill.put(&vec![1.5f64, -0.25, f64::MAX]).unwrap();
            let c = spill.put(&("third".to_string(), u64::MAX)).unwrap();
            assert_eq!(
                spill.get::<Vec<f64>>(b).unwrap(),
                vec![1.5, -0.25, f64::MAX]
            );
            assert_eq!(
                spill.get::<(String, u64)>(c).unwrap(),
                ("third".to_string(), u64::MAX)
            );
            assert_eq!(
                spill.get::<(String, u64)>(a).unwrap(),
                ("first".to_string(), 1)
            );
            // Reading does not disturb later writes.
            let d = spill.put(&"fourth").unwrap();
            assert_eq!(spill.get::<String>(d).unwrap(), "fourth");
            assert!(spill.get::<String>(SpillRef::Memory { index: 99 }).is_err());
        }
    }
}
