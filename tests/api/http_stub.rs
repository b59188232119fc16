//! A programmable HTTP/1.1 server on 127.0.0.1 for the feed, webhook and Kaspi tests: it records every request
//! and answers with whatever the test's handler says, including slow bodies, bodies without a length, and no
//! answer at all. One request per connection (`connection: close`).

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What to answer.
pub enum Reply {
    /// Status, headers and a body with its `content-length`.
    Full(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Headers at once, then the body in `chunks` pieces with `delay` between them (with a content-length).
    Slow(u16, Vec<u8>, usize, Duration),
    /// A body without `content-length`, ended by closing the connection.
    Unsized(u16, Vec<u8>),
    /// Read the request, then never answer (until the client gives up).
    Hang,
}

impl Reply {
    /// `200` with a body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::Full(200, vec![], body.into())
    }

    /// A status with an empty body.
    pub fn status(code: u16) -> Self {
        Self::Full(code, vec![], Vec::new())
    }

    /// A redirect.
    pub fn redirect(location: &str) -> Self {
        Self::Full(302, vec![("location", location.to_owned())], Vec::new())
    }
}

type Handler = Box<dyn FnMut(&Recorded) -> Reply + Send>;

/// The running server; it stops when dropped.
pub struct Stub {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Requests being answered right now, and the most ever at once.
    in_flight: Arc<Mutex<(usize, usize)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, path, headers, body })
}

async fn answer(sock: &mut tokio::net::TcpStream, reply: Reply) {
    let head = |code: u16, extra: &[(&str, String)], len: Option<usize>| {
        let mut h = format!("HTTP/1.1 {code} {}\r\nconnection: close\r\n", reason(code));
        for (n, v) in extra {
            h.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(l) = len {
            h.push_str(&format!("content-length: {l}\r\n"));
        }
        h.push_str("\r\n");
        h
    };
    match reply {
        Reply::Full(code, headers, body) => {
            let _ = sock.write_all(head(code, &headers, Some(body.len())).as_bytes()).await;
            let _ = sock.write_all(&body).await;
        }
        Reply::Slow(code, body, chunks, delay) => {
            let _ = sock.write_all(head(code, &[], Some(body.len())).as_bytes()).await;
            for part in body.chunks(body.len().div_ceil(chunks.max(1)).max(1)) {
                if sock.write_all(part).await.is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
            }
        }
        Reply::Unsized(code, body) => {
            let _ = sock.write_all(head(code, &[], None).as_bytes()).await;
            let _ = sock.write_all(&body).await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
    }
    let _ = sock.shutdown().await;
}

impl Stub {
    /// Starts a server answering with `handler`.
    pub async fn start(handler: impl FnMut(&Recorded) -> Reply + Send + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind stub");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(Mutex::new((0usize, 0usize)));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let (reqs, flight) = (requests.clone(), in_flight.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (reqs, flight, handler) = (reqs.clone(), flight.clone(), handler.clone());
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else { return };
                    let reply = {
                        let mut h = handler.lock().expect("handler");
                        (h)(&req)
                    };
                    reqs.lock().expect("requests").push(req);
                    {
                        let mut f = flight.lock().expect("flight");
                        f.0 += 1;
                        f.1 = f.1.max(f.0);
                    }
                    answer(&mut sock, reply).await;
                    flight.lock().expect("flight").0 -= 1;
                });
            }
        });
        Self { port, requests, in_flight, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests").clone()
    }

    /// The most requests ever answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.lock().expect("flight").1
    }
}
