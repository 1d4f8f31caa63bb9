//! Requests refused before the application runs, answered with the JSON envelope like
//! every other error.
//!
//! actix-http answers some requests itself, before any middleware or handler sees them:
//! `431` for a request head over its buffer (128 KiB) or with more than 96 headers,
//! `400` for a head it cannot parse, and `408` when the first request's head is too
//! slow. It writes those answers straight from its connection dispatcher
//! (`h1/dispatcher.rs`: `Response::with_body(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
//! ())`, `Response::bad_request().drop_body()`, and the same for `REQUEST_TIMEOUT`) with
//! an empty body, and offers no hook to change them: no error handler, no middleware,
//! nothing in `HttpServiceBuilder` sees them.
//!
//! So the refusal is made one step earlier. Each connection's socket is wrapped in a
//! [`Guarded`] stream that reads every request head as actix-http will (the same
//! `httparse` call and the same framing rules, so it knows where each head starts and
//! each body ends) before actix-http gets the bytes. A head that is too large, malformed
//! or too slow never reaches actix-http: it gets end-of-stream instead, finishes what it
//! was answering, and shuts the connection down, and just before that the wrapper
//! writes the envelope. Bytes the wrapper cannot follow (an upgrade or CONNECT, or a
//! chunked body actix-http will refuse) are passed on untouched for the rest of the
//! connection, so at worst a request gets actix-http's own answer, never a wrong one.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::http::{Method, Uri};
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{Error, ErrorKind};

/// Largest request head read: beyond that no browser, CLI or proxy of ours goes (a
/// browser's cookies for one site stay under 8 KiB), and every open connection may hold
/// this much while its head arrives. Lower than actix-http's own 128 KiB, so the
/// wrapper always refuses first.
pub const MAX_HEAD: usize = 32 * 1024;
/// Most headers in one request: actix-http's own limit, reached at the same request.
const MAX_HEADERS: usize = 96;

/// Why a request is refused before the application sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    TooLarge,
    Malformed(&'static str),
    TooSlow,
}

impl Refusal {
    fn error(&self) -> Error {
        match self {
            Refusal::TooLarge => Error::new(
                ErrorKind::HeaderTooLarge,
                "headers_too_large",
                format!(
                    "Kepala permintaan (baris permintaan dan header) lebih dari {} KiB atau lebih dari {MAX_HEADERS} header, jadi tidak dibaca. Biasanya karena cookie yang menumpuk: hapus cookie situs ini di peramban, lalu coba lagi.",
                    MAX_HEAD / 1024
                ),
            ),
            Refusal::Malformed(what) => Error::bad_request(
                "malformed_request",
                format!(
                    "Permintaan HTTP tidak dapat dibaca ({what}), jadi tidak dijalankan. Periksa program atau proxy yang mengirimnya."
                ),
            ),
            Refusal::TooSlow => Error::new(
                ErrorKind::RequestTimeout,
                "header_timeout",
                "Kepala permintaan datang terlalu lambat sehingga koneksi ditutup. Kirim ulang dari koneksi yang lebih baik, misalnya Wi-Fi atau tempat dengan sinyal lebih kuat.",
            ),
        }
    }
}

/// The whole answer to a refused request, as bytes on the wire: the same envelope, status
/// and headers the application's own errors have, and the connection closed after it.
fn reply(refusal: &Refusal) -> Vec<u8> {
    let response = refusal.error().error_response();
    let status = response.status();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    let mut header = |name: &str, value: &[u8]| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    for (name, value) in response.headers() {
        header(name.as_str(), value.as_bytes());
    }
    for (name, value) in super::pages::SECURITY_HEADERS.iter() {
        header(name.as_str(), value.as_bytes());
    }
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    header("date", date.to_string().as_bytes());
    header("connection", b"close");
    let body = response.into_body().try_into_bytes().unwrap_or_default();
    header("content-length", body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

/// Where the wrapper is in the stream of requests on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Reading a request head.
    Head,
    /// Inside a body of known length: this many bytes to come.
    Body(u64),
    /// Inside a chunked body.
    Chunked(Chunk),
    /// Not followed any more: everything goes to actix-http as it comes.
    Opaque,
}

/// The states of actix-http's chunked decoder (`h1/chunked.rs`), so that the wrapper
/// sees a chunked body end exactly where actix-http does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    Size(u64),
    SizeLws(u64),
    Extension(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    EndCr,
    EndLf,
}

/// A request refused within a chunk of bytes read: the first `pass` bytes belong to
/// requests before it and still go to actix-http.
#[derive(Debug, PartialEq, Eq)]
struct Refused {
    pass: usize,
    why: Refusal,
}

/// Follows the requests on one connection through the bytes read from it.
#[derive(Debug)]
struct Tracker {
    state: State,
    /// The current request head so far (at most [`MAX_HEAD`] bytes).
    head: Vec<u8>,
}

impl Tracker {
    fn new() -> Tracker {
        Tracker {
            state: State::Head,
            head: Vec::new(),
        }
    }

    /// Whether part of a request head has arrived and the rest has not.
    fn in_head(&self) -> bool {
        self.state == State::Head && !self.head.is_empty()
    }

    /// Takes the next bytes read; returns how many request heads they completed, or the
    /// refusal of a head among them.
    fn feed(&mut self, bytes: &[u8]) -> Result<usize, Refused> {
        let mut at = 0;
        let mut heads = 0;
        while at < bytes.len() {
            match &mut self.state {
                State::Opaque => break,
                State::Body(rest) => {
                    let n = (*rest).min((bytes.len() - at) as u64);
                    *rest -= n;
                    at += n as usize;
                    if *rest == 0 {
                        self.state = State::Head;
                    }
                }
                State::Chunked(chunk) => match chunk.step(&bytes[at..]) {
                    Some((used, next)) => {
                        at += used;
                        self.state = next.map_or(State::Head, State::Chunked);
                    }
                    // actix-http refuses this body itself; what follows is not ours to read.
                    None => self.state = State::Opaque,
                },
                State::Head => {
                    let known = self.head.len();
                    let take = (MAX_HEAD - known).min(bytes.len() - at);
                    self.head.extend_from_slice(&bytes[at..at + take]);
                    let why = match parse_head(&self.head) {
                        Ok(Some((length, next))) => {
                            at += length - known;
                            heads += 1;
                            self.state = next;
                            self.head.clear();
                            // An idle connection keeps no large buffer.
                            self.head.shrink_to(1024);
                            continue;
                        }
                        Ok(None) if self.head.len() < MAX_HEAD => {
                            at += take;
                            continue;
                        }
                        Ok(None) => Refusal::TooLarge,
                        Err(why) => why,
                    };
                    self.head = Vec::new();
                    return Err(Refused { pass: at, why });
                }
            }
        }
        Ok(heads)
    }
}

impl Chunk {
    /// Reads some of a chunked body: the bytes used and the state after them (None: the
    /// body ended), or None where actix-http would refuse the body.
    fn step(&self, bytes: &[u8]) -> Option<(usize, Option<Chunk>)> {
        use Chunk::*;
        if let Data(rest) = *self {
            let n = rest.min(bytes.len() as u64);
            let next = if n == rest { DataCr } else { Data(rest - n) };
            return Some((n as usize, Some(next)));
        }
        let byte = *bytes.first()?;
        let next = match (self.clone(), byte) {
            (Size(size), b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F') => {
                let digit = (byte as char).to_digit(16)?;
                Size(size.checked_mul(16)?.checked_add(u64::from(digit))?)
            }
            (Size(size) | SizeLws(size), b'\t' | b' ') => SizeLws(size),
            (Size(size) | SizeLws(size) | Extension(size), b';') => Extension(size),
            (Size(size) | SizeLws(size) | Extension(size), b'\r') => SizeLf(size),
            (Extension(_), 0x00..=0x08 | 0x0a..=0x1f | 0x7f) => return None,
            (Extension(size), _) => Extension(size),
            (SizeLf(0), b'\n') => EndCr,
            (SizeLf(size), b'\n') => Data(size),
            (DataCr, b'\r') => DataLf,
            (DataLf, b'\n') => Size(0),
            (EndCr, b'\r') => EndLf,
            (EndLf, b'\n') => return Some((1, None)),
            _ => return None,
        };
        Some((1, Some(next)))
    }
}

/// Parses a request head as actix-http's decoder does (`h1/decoder.rs`): None while it
/// is incomplete, else its length and how its body is framed, or why actix-http would
/// refuse it.
fn parse_head(bytes: &[u8]) -> Result<Option<(usize, State)>, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal::TooLarge),
        Err(httparse::Error::Version) => return Err(Refusal::Malformed("versi HTTP tidak sah")),
        Err(httparse::Error::HeaderName) => {
            return Err(Refusal::Malformed("nama header tidak sah"));
        }
        Err(httparse::Error::HeaderValue) => {
            return Err(Refusal::Malformed("isi header tidak sah"));
        }
        Err(httparse::Error::NewLine) => return Err(Refusal::Malformed("akhir baris tidak sah")),
        Err(_) => return Err(Refusal::Malformed("baris permintaan tidak sah")),
    };
    let method = Method::from_bytes(request.method.unwrap_or_default().as_bytes())
        .map_err(|_| Refusal::Malformed("metode tidak sah"))?;
    Uri::try_from(request.path.unwrap_or_default())
        .map_err(|_| Refusal::Malformed("alamat tidak sah"))?;
    let http11 = request.version == Some(1);
    let header = |reason| Refusal::Malformed(reason);
    let (mut length_seen, mut chunked, mut te_seen, mut websocket) = (None, false, false, false);
    for h in request.headers.iter() {
        let value = std::str::from_utf8(h.value).map(str::trim);
        if h.name.eq_ignore_ascii_case("content-length") {
            let parsed = value
                .ok()
                .filter(|v| !v.starts_with('+'))
                .and_then(|v| v.parse::<u64>().ok());
            match (length_seen, parsed) {
                (None, Some(n)) => length_seen = Some(n),
                (Some(_), _) => return Err(header("Content-Length lebih dari satu")),
                (None, None) => return Err(header("Content-Length tidak sah")),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") && http11 {
            if te_seen {
                return Err(header("Transfer-Encoding lebih dari satu"));
            }
            te_seen = true;
            match value {
                Ok(v) if v.eq_ignore_ascii_case("chunked") => chunked = true,
                Ok(v) if v.eq_ignore_ascii_case("identity") => {}
                _ => return Err(header("Transfer-Encoding tidak didukung")),
            }
        } else if h.name.eq_ignore_ascii_case("upgrade")
            && value.is_ok_and(|v| v.eq_ignore_ascii_case("websocket"))
        {
            websocket = true;
        }
    }
    if !http11 && method == Method::POST && length_seen.is_none() && !websocket {
        return Err(header("POST HTTP/1.0 tanpa Content-Length"));
    }
    let next = if chunked {
        State::Chunked(Chunk::Size(0))
    } else if websocket {
        State::Opaque
    } else {
        match length_seen {
            Some(n) if n > 0 => State::Body(n),
            _ if method == Method::CONNECT => State::Opaque,
            _ => State::Head,
        }
    };
    Ok(Some((length, next)))
}

/// A client connection as actix-http reads and writes it, with request heads checked on
/// the way in (see the module documentation).
pub struct Guarded<T> {
    io: T,
    tracker: Tracker,
    /// How long a request head may take to arrive; zero: no limit.
    header_timeout: Duration,
    /// When the head being read must be in.
    deadline: Option<Pin<Box<Sleep>>>,
    /// The refusal decided, until written.
    reply: Option<Vec<u8>>,
    /// Bytes of `reply` already written.
    written: usize,
    refused: bool,
}

impl<T> Guarded<T> {
    /// A newly accepted connection: its first request's head is timed from now, as
    /// actix-http times it.
    pub fn new(io: T, header_timeout: Duration) -> Guarded<T> {
        let mut guarded = Guarded {
            io,
            tracker: Tracker::new(),
            header_timeout,
            deadline: None,
            reply: None,
            written: 0,
            refused: false,
        };
        guarded.start_timer();
        guarded
    }

    fn start_timer(&mut self) {
        self.deadline = (!self.header_timeout.is_zero())
            .then(|| Box::pin(sleep_until(Instant::now() + self.header_timeout)));
    }

    fn refuse(&mut self, why: &Refusal) {
        tracing::debug!(?why, "request refused before the application");
        self.refused = true;
        self.deadline = None;
        self.reply = Some(reply(why));
    }

    fn timed_out(&self) -> bool {
        self.deadline
            .as_ref()
            .is_some_and(|d| d.deadline() <= Instant::now())
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.refused {
            // End of stream: actix-http finishes what it is answering, then shuts down.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Pending => {
                if let Some(deadline) = this.deadline.as_mut()
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    this.refuse(&Refusal::TooSlow);
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending
            }
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                let was_in_head = this.tracker.in_head();
                match this.tracker.feed(&buf.filled()[before..]) {
                    Err(refused) => {
                        buf.set_filled(before + refused.pass);
                        this.refuse(&refused.why);
                    }
                    Ok(heads) => {
                        if !this.tracker.in_head() {
                            // Between requests, actix-http's keep-alive timer applies.
                            if heads > 0 {
                                this.deadline = None;
                            }
                        } else if heads > 0 || !was_in_head && this.deadline.is_none() {
                            // Every head is timed from its first byte, not only the
                            // first request's as actix-http does.
                            this.start_timer();
                        }
                        if this.timed_out() {
                            // Trickling in too slowly, a few bytes at a time: the bytes
                            // of this head stay here, those of requests before it go on.
                            let read = buf.filled().len() - before;
                            let of_head = this.tracker.head.len().min(read);
                            buf.set_filled(before + read - of_head);
                            this.refuse(&Refusal::TooSlow);
                        }
                    }
                }
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    /// actix-http shuts a connection down once it has written and flushed all it had to
    /// say: the refusal, if any, goes out last, just before.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while let Some(reply) = &this.reply {
            let rest = &reply[this.written..];
            if rest.is_empty() {
                this.reply = None;
                break;
            }
            match ready!(Pin::new(&mut this.io).poll_write(cx, rest)) {
                Ok(0) => {
                    this.reply = None;
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Ok(n) => this.written += n,
                Err(e) => {
                    this.reply = None;
                    return Poll::Ready(Err(e));
                }
            }
        }
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(parts: &[&[u8]]) -> Result<usize, Refused> {
        let mut tracker = Tracker::new();
        let mut heads = 0;
        for part in parts {
            heads += tracker.feed(part)?;
        }
        Ok(heads)
    }

    #[test]
    fn bodies_are_skipped_whatever_they_hold() {
        let get = b"GET /api/registry/head HTTP/1.1\r\nHost: x\r\n\r\n";
        let body = b"GET / HTTP/1.1\r\n\x01\x02 not a head";
        let post = format!(
            "POST /api/verify HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = [get.as_slice(), post.as_bytes(), body, get].concat();
        assert_eq!(feed_all(&[&stream]), Ok(3));
        // The same, a byte at a time.
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(feed_all(&bytes), Ok(3));
    }

    #[test]
    fn chunked_bodies_end_where_actix_ends_them() {
        let post = b"POST /api/verify HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        let body = b"5;ext=1\r\nGET /\r\nA \r\n\r\n\r\n\r\n\r\n\r\n\r\n0\r\n\r\n";
        let get = b"GET / HTTP/1.1\r\n\r\n";
        let stream = [post.as_slice(), body, get].concat();
        assert_eq!(feed_all(&[&stream]), Ok(2));
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(feed_all(&bytes), Ok(2));
    }

    #[test]
    fn a_chunked_body_actix_refuses_is_left_to_actix() {
        let mut tracker = Tracker::new();
        let stream = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\x01\x02\x03";
        assert_eq!(tracker.feed(stream), Ok(1));
        assert_eq!(tracker.state, State::Opaque);
    }

    #[test]
    fn a_head_over_the_limit_is_refused_431_after_the_requests_before_it() {
        let get = b"GET / HTTP/1.1\r\n\r\n";
        let big = format!("GET / HTTP/1.1\r\nCookie: {}\r\n", "a".repeat(MAX_HEAD));
        let stream = [get.as_slice(), big.as_bytes()].concat();
        assert_eq!(
            feed_all(&[&stream]),
            Err(Refused {
                pass: get.len(),
                why: Refusal::TooLarge
            })
        );
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(
            feed_all(&[many.as_bytes()]).map_err(|r| r.why),
            Err(Refusal::TooLarge)
        );
        // Just under both limits is read.
        let fits: String = (1..MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
        assert_eq!(
            feed_all(&[format!("GET / HTTP/1.1\r\n{fits}\r\n").as_bytes()]),
            Ok(1)
        );
    }

    #[test]
    fn heads_actix_cannot_parse_are_refused_400() {
        for head in [
            "GET /\u{1} HTTP/1.1\r\n\r\n",
            "GET / HTTP/9.9\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.0\r\n\r\n",
            "GET http://[::1 HTTP/1.1\r\n\r\n",
        ] {
            let refused = feed_all(&[head.as_bytes()]).unwrap_err();
            assert!(
                matches!(refused.why, Refusal::Malformed(_)),
                "{head:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn the_reply_is_the_envelope_with_the_applications_headers() {
        let text = String::from_utf8(reply(&Refusal::TooLarge)).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let lines: Vec<&str> = head.lines().collect();
        assert!(lines.contains(&"content-type: application/json"));
        assert!(lines.contains(&format!("content-length: {}", body.len()).as_str()));
        assert!(lines.contains(&"connection: close"));
        assert!(lines.contains(&"x-content-type-options: nosniff"));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], "headers_too_large");
    }
}
