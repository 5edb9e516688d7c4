// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the control protocol codec.
 *
 * The input is a frame: its first 16 bytes go to proto_hdr_decode() (and,
 * as they happen to be the right size, to the data hello decoder), the
 * rest is a body handed to every body decoder whatever the header says.
 * Besides the sanitizers' findings, a body that decodes must re-encode to
 * exactly the same bytes: the encoding is canonical, so anything else
 * means the encoder and the decoder disagree.  Build notes: README.
 *
 * Built with -DFUZZ_PROTO_SEEDS instead, this file is a small program
 * that writes a seed corpus of valid frames into the directory it is given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

static uint8_t out[PROTO_HDR_LEN + PROTO_MAX_BODY];

/* The frame in w must carry exactly the body b. */
static void same(const struct proto_wr *w, int ret, const uint8_t *b,
		 size_t len)
{
	if (ret || w->len != PROTO_HDR_LEN + len ||
	    memcmp(w->buf + PROTO_HDR_LEN, b, len))
		abort();
}

static void hdr(const uint8_t *in)
{
	uint8_t again[PROTO_HDR_LEN];
	struct proto_data_hello dh;
	struct proto_hdr h;

	if (!proto_hdr_decode(in, &h)) {
		proto_hdr_encode(again, &h);
		if (memcmp(again, in, sizeof(again)))
			abort();
	}
	if (!proto_data_hello_decode(in, &dh)) {
		proto_data_hello_encode(again, &dh);
		if (memcmp(again, in, sizeof(again)))
			abort();
	}
}

static void fixed_bodies(struct proto_wr *w, const uint8_t *b, size_t len)
{
	struct proto_error e;
	struct proto_hello h;
	struct proto_listen_req lq;
	struct proto_listen_rep lp;
	struct proto_connect_req c;
	struct proto_worker_req wq;
	struct proto_worker_rep wp;

	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_error(b, len, &e))
		same(w, proto_enc_error(w, 1, e.err, e.text), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_hello(b, len, &h))
		same(w, proto_enc_hello(w, 1, 0, &h), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_listen_req(b, len, &lq))
		same(w, proto_enc_listen_req(w, 1, &lq), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_listen_rep(b, len, &lp))
		same(w, proto_enc_listen_rep(w, 1, &lp), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_connect_req(b, len, &c))
		same(w, proto_enc_connect_req(w, 1, &c), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_worker_req(b, len, &wq))
		same(w, proto_enc_worker_req(w, 1, &wq), b, len);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_worker_rep(b, len, &wp))
		same(w, proto_enc_worker_rep(w, 1, &wp), b, len);
}

static void array_bodies(struct proto_wr *w, const uint8_t *b, size_t len)
{
	struct proto_conn_list cl;
	struct proto_ids ids;
	struct proto_test_req t;
	struct proto_result r;
	struct proto_sample s;
	struct proto_setopt_req so;
	struct proto_opts_list ol;
	struct proto_tls_req tq;
	struct proto_tls_stat ts;

	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_conn_list(b, len, &cl))
		same(w, proto_enc_conn_list(w, PROTO_T_CONNECT, 1, &cl), b,
		     len);
	proto_conn_list_free(&cl);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_ids(b, len, &ids))
		same(w, proto_enc_ids(w, PROTO_T_CONN_INFO, 1, &ids), b, len);
	proto_ids_free(&ids);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_test_req(b, len, &t))
		same(w, proto_enc_test_req(w, 1, &t), b, len);
	proto_test_req_free(&t);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_result(b, len, &r))
		same(w, proto_enc_result(w, 1, &r), b, len);
	proto_result_free(&r);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_sample(b, len, &s))
		same(w, proto_enc_sample(w, 1, &s), b, len);
	proto_sample_free(&s);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_setopt_req(b, len, &so))
		same(w, proto_enc_setopt_req(w, 1, &so), b, len);
	proto_setopt_req_free(&so);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_opts_list(b, len, &ol))
		same(w, proto_enc_opts_list(w, 1, &ol), b, len);
	proto_opts_list_free(&ol);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_tls_req(b, len, &tq))
		same(w, proto_enc_tls_req(w, 1, &tq), b, len);
	proto_tls_req_free(&tq);
	proto_wr_init(w, out, sizeof(out));
	if (!proto_dec_tls_stat(b, len, &ts))
		same(w, proto_enc_tls_stat(w, 1, &ts), b, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_wr w;

	if (size < PROTO_HDR_LEN || size - PROTO_HDR_LEN > PROTO_MAX_BODY)
		return 0;
	hdr(data);
	fixed_bodies(&w, data + PROTO_HDR_LEN, size - PROTO_HDR_LEN);
	array_bodies(&w, data + PROTO_HDR_LEN, size - PROTO_HDR_LEN);
	return 0;
}

#ifdef FUZZ_PROTO_SEEDS
static void save(const char *dir, const char *name, const struct proto_wr *w)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || w->err || fwrite(w->buf, 1, w->len, f) != w->len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t buf[4096];
	struct proto_conn_info ci[2] = { { .id = 1, .rx_cpu = -1 },
					 { .id = 2, .rx_cpu = 3 } };
	struct proto_test_flow tf[2] = { { .role = PROTO_ROLE_ACTIVE },
					 { .role = PROTO_ROLE_PASSIVE } };
	struct proto_flow_res fr = { .rx_cpu_end = 1 };
	struct proto_cpu_res cr = { .cpu = 1 };
	struct proto_worker_res wr = { .cpu_pinned = -1 };
	struct proto_sample_flow sf = { .conn_id = 1 };
	uint32_t ids[2] = { 1, 2 };
	struct proto_hello h = { .ncpus = 72, .n_online = 1,
				 .kernel = "6.1", .hostname = "h",
				 .online = { 1 } };
	struct proto_connect_req c = { .family = 4, .port = 1, .count = 1,
				       .timeout_ms = 1, .mss = 1000 };
	struct proto_setopt_req so = { .n = 2, .which = PROTO_OPT_ALL,
				       .max_pace = 25000000, .sndbuf = 1,
				       .rcvbuf = 1, .nodelay = 1, .cc = "bbr",
				       .ids = ids };
	struct proto_conn_opts co = { .id = 1, .mss = 1448,
				      .max_pace = PROTO_PACE_UNLIMITED,
				      .cc = "cubic" };
	struct proto_test_req t = { .type = PROTO_TEST_RR, .duration_ms = 1,
				    .req_size = 1, .resp_size = 1,
				    .depth = 1, .n = 2, .flows = tf };
	struct proto_test_flow both = { .conn_id = 1,
					.role = PROTO_ROLE_BOTH };
	struct proto_test_req tb = { .type = PROTO_TEST_STREAM,
				     .duration_ms = 1, .read_size = 1,
				     .write_size = 1, .n = 1, .flows = &both };
	struct proto_result r = { .n_flows = 1, .n_cpus = 1, .n_workers = 1,
				  .flows = &fr, .cpus = &cr, .workers = &wr };
	struct proto_wr w;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
#define SEED(name, call) do {						\
		proto_wr_init(&w, buf, sizeof(buf));			\
		call;							\
		save(argv[1], name, &w);				\
	} while (0)
	SEED("error", proto_enc_error(&w, 1, 95, "unknown type"));
	SEED("hello", proto_enc_hello(&w, 1, 0, &h));
	SEED("listen_req", proto_enc_listen_req(&w, 1,
			&(struct proto_listen_req){ .port = 1 }));
	SEED("listen_rep", proto_enc_listen_rep(&w, 1,
			&(struct proto_listen_rep){ .port = 1 }));
	SEED("connect", proto_enc_connect_req(&w, 1, &c));
	SEED("conn_list", proto_enc_conn_list(&w, PROTO_T_CONNECT, 1,
			&(struct proto_conn_list){ .n = 2, .v = ci }));
	SEED("ids", proto_enc_ids(&w, PROTO_T_CONN_INFO, 1,
			&(struct proto_ids){ .n = 2, .v = ids }));
	SEED("worker_req", proto_enc_worker_req(&w, 1,
			&(struct proto_worker_req){ .cpu = -1 }));
	SEED("worker_rep", proto_enc_worker_rep(&w, 1,
			&(struct proto_worker_rep){ .cpu = 1 }));
	SEED("test", proto_enc_test_req(&w, 1, &t));
	SEED("result", proto_enc_result(&w, 1, &r));
	SEED("sample", proto_enc_sample(&w, 1,
			&(struct proto_sample){ .n = 1, .v = &sf }));
	SEED("test_both", proto_enc_test_req(&w, 1, &tb));
	SEED("stop", proto_enc_empty(&w, PROTO_T_TEST_STOP, 1, 0));
	SEED("tx_done", proto_enc_empty(&w, PROTO_T_TX_DONE, 1, 0));
	SEED("setopt", proto_enc_setopt_req(&w, 1, &so));
	SEED("opts_list", proto_enc_opts_list(&w, 1,
			&(struct proto_opts_list){ .n = 1, .v = &co }));
	return 0;
}
#endif
