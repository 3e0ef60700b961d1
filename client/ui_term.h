/* A check of the terminal before curses takes it over. */
#ifndef RC_CLIENT_UI_TERM_H
#define RC_CLIENT_UI_TERM_H

/* 1 when $TERM names a terminal curses knows. */
int ui_term_usable(void);

#endif
