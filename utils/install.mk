# Install layout: man pages, the systemd unit and its system user, bash
# completion and the example server config; and the tests that check them
# (tests/install/).

dist_man_MANS += client/rsa-chat.1 utils/generate-keys.1 server/rsa-chat-server.8

# The migrations ($(pkgdatadir)/migrations) and rsa-chat-migrate are
# installed by server/local.mk and utils/local.mk.

# The example config is documentation: `make install` never writes /etc.
examplesdir = $(docdir)/examples
dist_examples_DATA = utils/server.conf.example

# systemd: the unit and the sysusers.d entry for its user. The folders default
# under $(prefix) so a non-root install (and distcheck) works; a packager
# overrides them, e.g. `make install systemdunitdir=/lib/systemd/system`.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = utils/rsa-chat-server.service
sysusersdir = $(prefix)/lib/sysusers.d
EXTRA_DIST += utils/rsa-chat-server.service.in utils/rsa-chat.sysusers
CLEANFILES += utils/rsa-chat-server.service

# The unit names installed paths, which are only known at make time.
utils/rsa-chat-server.service: utils/rsa-chat-server.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/utils/rsa-chat-server.service.in > $@.tmp && \
	mv $@.tmp $@

# bash loads a completion by command name: one file, installed as rsa-chat,
# with links for the other two programs.
bashcompletiondir = $(datadir)/bash-completion/completions
EXTRA_DIST += utils/completion/rsa-chat.bash
rc_completion_links = rsa-chat-server generate-keys

install-data-hook:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)' '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/utils/rsa-chat.sysusers '$(DESTDIR)$(sysusersdir)/rsa-chat.conf'
	$(INSTALL_DATA) $(srcdir)/utils/completion/rsa-chat.bash '$(DESTDIR)$(bashcompletiondir)/rsa-chat'
	cd '$(DESTDIR)$(bashcompletiondir)' && \
	for name in $(rc_completion_links); do rm -f $$name && ln -s rsa-chat $$name || exit 1; done

uninstall-hook:
	rm -f '$(DESTDIR)$(sysusersdir)/rsa-chat.conf'
	for name in rsa-chat $(rc_completion_links); do \
	  rm -f '$(DESTDIR)$(bashcompletiondir)'/$$name; \
	done

# Tests. At `make check`: the man pages render without warnings and agree with
# each program's --help, the completion completes, the unit is valid, and an
# install into a temporary DESTDIR works and uninstalls cleanly. At `make
# installcheck` (which distcheck runs): the installed tree works.
TESTS += \
	tests/install/manpages.sh \
	tests/install/completion.sh \
	tests/install/systemd-unit.sh \
	tests/install/destdir.sh \
	tests/install/quickstart-signals.sh
EXTRA_DIST += \
	tests/install/manpages.sh \
	tests/install/completion.sh \
	tests/install/systemd-unit.sh \
	tests/install/destdir.sh \
	tests/install/quickstart-signals.sh \
	tests/install/readme-quickstart.sh \
	tests/install/quickstartlib.sh \
	tests/install/lib.sh \
	tests/install/installed.sh

# The installed folders, for tests/install/installed.sh: `make installcheck`
# passes them in the environment; tests get them from `make rc-install-dirs`.
rc_install_dirs = \
	RC_BINDIR='$(bindir)' RC_SBINDIR='$(sbindir)' RC_SYSCONFDIR='$(sysconfdir)' \
	RC_MANDIR='$(mandir)' RC_PKGDATADIR='$(pkgdatadir)' \
	RC_COMPLETIONDIR='$(bashcompletiondir)' RC_UNITDIR='$(systemdunitdir)' \
	RC_SYSUSERSDIR='$(sysusersdir)' RC_EXAMPLESDIR='$(examplesdir)' \
	RC_VERSION='$(PACKAGE_VERSION)'

rc-install-dirs:
	@for assignment in $(rc_install_dirs); do echo "$$assignment"; done

installcheck-local:
	RC_INSTALL_ROOT='$(DESTDIR)' RC_SRCDIR='$(srcdir)' $(rc_install_dirs) \
	  $(SHELL) $(srcdir)/tests/install/installed.sh

.PHONY: rc-install-dirs
