//! A minimal WebSocket client for tests: handshake, masked text frames out, text frames in.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct WsClient {
    stream: TcpStream,
    /// The server's answer to the upgrade: status line and headers.
    pub head: String,
}

impl WsClient {
    /// Connects to `host:port` and upgrades `path_and_query`; returns the HTTP status line on
    /// failure.
    pub async fn connect(addr: &str, path_and_query: &str) -> Result<Self, String> {
        Self::connect_offering(addr, path_and_query, None).await
    }

    /// [`Self::connect`], offering `protocol` in `Sec-WebSocket-Protocol` (masto.js offers the
    /// access token there).
    pub async fn connect_offering(
        addr: &str,
        path_and_query: &str,
        protocol: Option<&str>,
    ) -> Result<Self, String> {
        let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let offered = protocol
            .map(|p| format!("Sec-WebSocket-Protocol: {p}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{offered}\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream
                .read_exact(&mut byte)
                .await
                .map_err(|e| e.to_string())?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        if !head.starts_with("HTTP/1.1 101") {
            return Err(head.lines().next().unwrap_or_default().to_string());
        }
        Ok(Self { stream, head })
    }

    pub async fn send_text(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.expect("send frame");
    }

    /// The next text frame, skipping pings; `None` after `wait` without one.
    pub async fn next_text(&mut self, wait: Duration) -> Option<String> {
        tokio::time::timeout(wait, async {
            loop {
                let mut h = [0u8; 2];
                self.stream.read_exact(&mut h).await.ok()?;
                let opcode = h[0] & 0x0F;
                let mut len = (h[1] & 0x7F) as usize;
                if len == 126 {
                    let mut l = [0u8; 2];
                    self.stream.read_exact(&mut l).await.ok()?;
                    len = u16::from_be_bytes(l) as usize;
                } else if len == 127 {
                    let mut l = [0u8; 8];
                    self.stream.read_exact(&mut l).await.ok()?;
                    len = u64::from_be_bytes(l) as usize;
                }
                let mut payload = vec![0u8; len];
                self.stream.read_exact(&mut payload).await.ok()?;
                match opcode {
                    0x1 => return Some(String::from_utf8_lossy(&payload).to_string()),
                    0x8 => return None,
                    _ => continue,
                }
            }
        })
        .await
        .ok()
        .flatten()
    }
}
