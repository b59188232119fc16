//! The SSRF rules against a local server, with a fixed DNS table in place of the system resolver.

use super::*;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A server on 127.0.0.1 that answers every request with `response` and counts connections.
async fn server(response: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(response.as_bytes()).await;
        }
    });
    (port, hits)
}

/// Every host resolves through this table: `name → addresses`.
fn table(entries: Vec<(&'static str, Vec<IpAddr>)>) -> resolver::LookupFn {
    Arc::new(move |host: String| {
        let found = entries.iter().find(|(h, _)| *h == host).map(|(_, a)| a.clone());
        Box::pin(async move { found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such host")) })
    })
}

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PUBLIC: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34));
const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

fn client(allow: &str, lookup: resolver::LookupFn) -> SafeClient {
    SafeClient::with_lookup(OutboundPolicy::parse_allow_list(allow).unwrap(), Duration::from_secs(2), "test", lookup).unwrap()
}

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(5), max_redirects: 2 }
}

#[test]
fn only_plain_http_urls_to_public_hosts_pass_the_url_check() {
    let c = client("", table(vec![]));
    for (url, code) in [
        ("ftp://example.com/feed.xml", "INVALID_URL"),
        ("file:///etc/passwd", "INVALID_URL"),
        ("https://user:pw@example.com/feed.xml", "INVALID_URL"),
        ("not a url", "INVALID_URL"),
        ("http://127.0.0.1/feed.xml", "BLOCKED_ADDRESS"),
        ("http://169.254.169.254/latest/meta-data/", "BLOCKED_ADDRESS"),
        ("http://[::1]:8080/", "BLOCKED_ADDRESS"),
        ("http://[::ffff:10.0.0.1]/", "BLOCKED_ADDRESS"),
        ("http://10.0.0.1/", "BLOCKED_ADDRESS"),
    ] {
        assert_eq!(c.check_url(url).unwrap_err().code(), code, "{url}");
    }
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
    assert_eq!(c.check_url(&long).unwrap_err().code(), "INVALID_URL");
    assert_eq!(c.check_url("https://example.com/f.xml#part").unwrap().as_str(), "https://example.com/f.xml");
    assert!(c.check_url("http://8.8.8.8/").is_ok());
}

#[test]
fn the_operator_allow_list_opens_exactly_its_networks() {
    let p = OutboundPolicy::parse_allow_list("127.0.0.0/8, 10.1.2.3").unwrap();
    assert!(p.permits("127.0.0.1".parse().unwrap()) && p.permits("10.1.2.3".parse().unwrap()));
    assert!(p.permits("::ffff:127.0.0.1".parse().unwrap()));
    assert!(!p.permits("10.1.2.4".parse().unwrap()) && !p.permits("169.254.169.254".parse().unwrap()));
    assert!(OutboundPolicy::parse_allow_list("10.0.0.0/33").is_err());
    assert!(OutboundPolicy::parse_allow_list("localhost").is_err());
}

#[tokio::test]
async fn a_name_with_one_private_address_among_public_ones_is_refused_before_any_connection() {
    // Arrange: the name answers a public address AND loopback, where a server listens.
    let (port, hits) = server(OK).await;
    let c = client("", table(vec![("mixed.test", vec![PUBLIC, LOOPBACK])]));

    // Act
    let url = c.check_url(&format!("http://mixed.test:{port}/feed.xml")).unwrap();
    let err = c.get(url.clone(), HeaderMap::new(), limits()).await.unwrap_err();

    // Assert
    assert!(matches!(err, OutboundError::Blocked { addr, .. } if addr == LOOPBACK), "{err:?}");
    assert_eq!(c.check_host(&url).await.unwrap_err().code(), "BLOCKED_ADDRESS");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_connection_goes_to_the_address_that_was_checked() {
    // Arrange: `feed.test` exists only in our table; the system resolver does not know it.
    let (port, hits) = server(OK).await;
    let c = client("127.0.0.0/8", table(vec![("feed.test", vec![LOOPBACK])]));

    // Act
    let url = c.check_url(&format!("http://feed.test:{port}/feed.xml")).unwrap();
    let (_, mut response) = c.get(url, HeaderMap::new(), limits()).await.unwrap();

    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(read_chunk(&mut response, Duration::from_secs(1)).await.unwrap().as_deref(), Some(&b"ok"[..]));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused_and_redirects_are_counted() {
    // Arrange: an allowed server that redirects to the cloud metadata address, and one that loops.
    let (meta, _) = server("HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    let (looping, hits) = server("HTTP/1.1 301 Moved\r\nlocation: /again\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    let c = client("127.0.0.0/8", table(vec![]));

    // Act
    let to_meta = c.get(c.check_url(&format!("http://127.0.0.1:{meta}/")).unwrap(), HeaderMap::new(), limits()).await;
    let to_loop = c.get(c.check_url(&format!("http://127.0.0.1:{looping}/")).unwrap(), HeaderMap::new(), limits()).await;
    let posted = c.post(c.check_url(&format!("http://127.0.0.1:{looping}/")).unwrap(), HeaderMap::new(), vec![], Duration::from_secs(2)).await;

    // Assert
    assert_eq!(to_meta.unwrap_err().code(), "BLOCKED_ADDRESS");
    assert_eq!(to_loop.unwrap_err().code(), "TOO_MANY_REDIRECTS");
    assert_eq!(hits.load(Ordering::SeqCst), 4, "the first request and two followed redirects, then one POST");
    assert_eq!(posted.unwrap().status(), 301, "a POST never follows a redirect");
}
