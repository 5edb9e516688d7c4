// SPDX-License-Identifier: MIT
/*
 * test_session_conns - data connections between two sessions over
 * loopback: LISTEN on a, CONNECT from b, CONN_INFO, CONN_SETOPT and
 * CONN_CLOSE, and connections that must not be adopted.
 *
 * Checks: CONNECT makes count connections with the lowest free ids on
 * both ends, each end's CONN_INFO mirrors the other's ports and ids and
 * the kernel has a socket with those ports; a wrong token, a stray
 * connection with a bad hello and a closed port are refused (the errno
 * and text say which stage) and take no slot; CONN_SETOPT sets what the
 * kernel then reports (TCP_NODELAY); CONN_CLOSE is all or nothing and
 * closes the socket; a freed id is the next one given.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fullio.h"
#include "helpers.h"

/* A port nothing listens on: bound, then closed. */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		t_fail("bind: %s", strerror(errno));
	close(fd);
	return ntohs(a.sin_port);
}

/* Connections to a that a must drop: wrong token, not a hello at all. */
static void check_refused(struct tsess *a, struct tsess *b,
			  const struct proto_listen_rep *l)
{
	struct proto_conn_info ci[1];
	uint8_t junk[PROTO_DATA_HELLO_LEN] = "GET / HTTP/1.0\r\n";
	uint32_t id = 0;
	int fd;

	T_EQ(ts_connect(b, l->port, l->token ^ 1, 1, ci), ECONNRESET);
	T_CHECK(strstr(b->text, "data connection 1 of 1 to 127.0.0.1 port") &&
		strstr(b->text, ": data hello: "), "%s", b->text);
	T_EQ(ts_connect(b, closed_port(), l->token, 1, ci), ECONNREFUSED);
	T_CHECK(strstr(b->text, ": connect: "), "%s", b->text);
	fd = ts_data_connect(l->port, l->token + 1, &id);
	T_EQ(fd, -ECONNRESET);
	fd = t_connect(l->port);
	T_EQ(fio_write_full(fd, junk, sizeof(junk), T_WAIT_MS), 0);
	T_EQ(fio_read_full(fd, junk, sizeof(junk), T_WAIT_MS), -ECONNRESET);
	close(fd);
	id = 0;
	T_EQ(ts_conn_info(a, &id, 1, ci), ENOENT);	/* no slot taken */
}

static void check_setopt(struct tsess *b, uint32_t id, int fd)
{
	struct proto_setopt_req m = { .n = 1, .which = PROTO_OPT_NODELAY,
				      .nodelay = 1, .ids = &id };
	struct proto_opts_list l;
	socklen_t len = sizeof(int);
	struct proto_wr w;
	int on = 0;

	proto_enc_setopt_req(&w, ts_wr(b, &w), &m);
	ts_send(b, &w);
	T_EQ(ts_reply(b, PROTO_T_CONN_SETOPT), 0);
	T_EQ(proto_dec_opts_list(b->body, b->h.len, &l), 0);
	T_EQ(l.n, 1);
	T_EQ(l.v[0].id, id);
	T_EQ(l.v[0].nodelay, 1);
	T_CHECK(l.v[0].mss > 0, "no MSS read back");
	proto_opts_list_free(&l);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len);
	T_EQ(on, 1);
}

int main(void)
{
	struct proto_conn_info cb[3], ca[3], one[1];
	struct proto_listen_rep l;
	uint32_t ids_a[3], ids_b[3], pair[2];
	struct tsess a, b;
	char why[256];
	unsigned int i;
	int fds0;

	t_init("test_session_conns");
	if (t_probe_ipv6(why, sizeof(why)) < 0)
		t_skip("%s", why);
	fds0 = t_count_fds();
	ts_start(&a);
	ts_start(&b);
	T_EQ(ts_hello(&a, NULL), 0);
	T_EQ(ts_hello(&b, NULL), 0);
	T_EQ(ts_listen(&a, 0, &l), 0);
	check_refused(&a, &b, &l);

	T_EQ(ts_connect(&b, l.port, l.token, 3, cb), 0);
	for (i = 0; i < 3; i++) {
		T_EQ(cb[i].id, i);
		T_EQ(cb[i].peer_id, i);
		T_EQ(cb[i].peer_port, l.port);
		T_CHECK(cb[i].rx_cpu >= -1, "rx_cpu %d", cb[i].rx_cpu);
		ids_a[i] = cb[i].peer_id;
		ids_b[i] = cb[i].id;
	}
	T_EQ(ts_conn_info(&a, ids_a, 3, ca), 0);
	for (i = 0; i < 3; i++) {
		T_EQ(ca[i].id, ids_a[i]);
		T_EQ(ca[i].peer_id, cb[i].id);
		T_EQ(ca[i].local_port, l.port);
		T_EQ(ca[i].peer_port, cb[i].local_port);
		T_CHECK(t_sock_fd(cb[i].local_port, l.port) >= 0 &&
			t_sock_fd(l.port, cb[i].local_port) >= 0,
			"connection %u: no socket", i);
	}
	check_setopt(&b, ids_b[0], t_sock_fd(cb[0].local_port, l.port));

	/* All or nothing: id 7 is unknown, so id 0 stays. */
	pair[0] = 0;
	pair[1] = 7;
	T_EQ(ts_conn_close(&b, pair, 2), ENOENT);
	T_EQ(ts_conn_info(&b, pair, 1, one), 0);
	T_EQ(ts_conn_close(&b, &ids_b[1], 1), 0);
	T_EQ(t_sock_fd(cb[1].local_port, l.port), -1);
	T_EQ(ts_conn_info(&b, &ids_b[1], 1, one), ENOENT);
	T_EQ(ts_connect(&b, l.port, l.token, 1, one), 0);
	T_EQ(one[0].id, 1);		/* the lowest free id again */

	T_EQ(ts_end(&a), 0);
	T_EQ(ts_end(&b), 0);
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
