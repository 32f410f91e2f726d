with

source as (

    select * from {{ source('pec', 'tb_dim_dose_imunobiologico') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_dose_imunobiologico,
        {{ pec_code('nu_identificador') }} as nu_identificador,
        {{ pec_code('sg_dose_imunobiologico') }} as sg_dose_imunobiologico,
        no_dose_imunobiologico,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
