from leadconf.cli import main

main()
