package io.exporthub.sink.s3;

/** The same S3 export with the store on the local MariaDB (the MySQL-protocol path MatrixOne takes). */
class S3ExportMariaDbTest extends S3ExportTest {
    @Override
    String storeKind() {
        return "mariadb";
    }
}
