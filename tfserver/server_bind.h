#ifndef TFNIDS_SERVER_BIND_H
#define TFNIDS_SERVER_BIND_H
// See server_bind.c.
void tfnids_bind_set(const unsigned char v4[4], const unsigned char v6[16]);
int tfnids_bind_clear(void);
#endif
